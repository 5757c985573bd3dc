with

source as (

    select * from {{ source('swos', 'fdb') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- a forwarding-table entry: the MAC, its bridge port and that port's ifIndex
        {{ normalize_mac('mac') }} as mac,
        bridge_port,
        if_index,
        fdb_status

    from source

)

select * from renamed
{{ dedupe_redeliveries(['mac']) }}
