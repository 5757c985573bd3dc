with

source as (

    select * from {{ source('mikrotik', 'interfaces') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- interface
        interface_id,
        interface as interface_name,
        default_name,
        type as interface_type,
        {{ normalize_mac('mac') }} as mac,
        mtu,
        is_running,
        is_disabled,
        last_link_up_at,
        comment,

        -- cumulative counters (they restart from zero when the router reboots)
        rx_bytes,
        tx_bytes,
        rx_packets,
        tx_packets,
        rx_errors,
        tx_errors,
        rx_drops,
        tx_drops,
        link_downs

    from source

)

select * from renamed
{{ dedupe_redeliveries(['interface_id', 'interface_name']) }}
