{#- One row per lake dataset declared as a dbt source (see the lake_datasets macro): how many rows and
    UTC days it holds and its newest observation, so the dashboard can say how fresh each dataset was
    when the warehouse was built. Re-deliveries are counted as the lake holds them. -#}
{%- set datasets = lake_datasets() %}
with

{% if datasets %}
per_dataset as (

    {%- for dataset in datasets %}

    select
        '{{ dataset.source_name }}/{{ dataset.name }}' as dataset,
        '{{ dataset.source_name }}' as family,
        '{{ dataset.name }}' as dataset_name,
        count(*) as row_count,
        -- hive partition of the file: the UTC day of observed_at (the schema anchor holds no rows)
        count(distinct "date") as day_count,
        min(observed_at) as first_observed_at,
        max(observed_at) as last_observed_at,
        max(received_at) as last_received_at
    from {{ source(dataset.source_name, dataset.name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),
{% else %}
per_dataset as (

    -- while dbt parses there is no graph to enumerate: the same columns, no rows
    select
        cast(null as varchar) as dataset,
        cast(null as varchar) as family,
        cast(null as varchar) as dataset_name,
        cast(0 as bigint) as row_count,
        cast(0 as bigint) as day_count,
        cast(null as timestamptz) as first_observed_at,
        cast(null as timestamptz) as last_observed_at,
        cast(null as timestamptz) as last_received_at
    where false

),
{% endif %}

final as (

    select * from per_dataset

)

select * from final
