with

source as (

    select * from {{ source('mikrotik', 'geoip_lookups') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- what the owner's databases said about one external address
        address,
        upper(country_code) as country_code,
        asn,
        as_org,
        database as geoip_database

    from source

)

select * from renamed
{{ dedupe_redeliveries(['address']) }}
