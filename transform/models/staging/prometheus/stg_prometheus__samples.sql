with

source as (

    select * from {{ source('prometheus', 'samples') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the sample
        coalesce(node, device_id) as node,
        job,
        metric_family,
        name as sample_name,
        labels as labels_json,
        value,
        metric_type,
        coalesce(sample_at, observed_at) as sampled_at

    from source

)

select * from renamed
{{ dedupe_redeliveries(['sample_name', 'labels_json']) }}
