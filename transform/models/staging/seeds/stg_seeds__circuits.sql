{#- `kind` is optional in a site's circuits.csv (files written before it existed lack it): blank or absent
    means a room circuit. -#}
{%- set has_kind = execute and 'kind' in (adapter.get_columns_in_relation(ref('circuits')) | map(attribute='name') | map('lower') | list) %}

with

source as (

    select * from {{ ref('circuits') }}

),

renamed as (

    select
        {{ normalize_mac('mac') }} as mac,
        nullif(trim(device_id), '') as device_id,
        channel,
        nullif(trim(circuit), '') as circuit,
        nullif(trim(room), '') as room,
        nullif(trim("load"), '') as load_name,
        {% if has_kind -%}
        nullif(lower(trim(cast(kind as varchar))), '') as kind
        {%- else -%}
        cast(null as varchar) as kind
        {%- endif %}

    from source

)

select * from renamed
