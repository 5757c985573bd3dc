with

source as (

    select * from {{ source('mikrotik', 'ipv6_neighbors') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the entry: an address (canonical text, as the connection table's) and the MAC it resolved to
        address as ip_address,
        {{ normalize_mac('mac') }} as mac,
        interface as interface_name,
        lower(status) as neighbor_status,
        coalesce(is_router, false) as is_router

    from source

)

select * from renamed
{{ dedupe_redeliveries(['ip_address', 'interface_name']) }}
