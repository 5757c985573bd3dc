with

source as (

    select * from {{ source('mikrotik', 'dns_cache') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the cached record
        lower(name) as dns_name,
        upper(record_type) as record_type,
        data as record_data,
        ttl_s

    from source

)

select * from renamed
{{ dedupe_redeliveries(['dns_name', 'record_type', 'record_data']) }}
