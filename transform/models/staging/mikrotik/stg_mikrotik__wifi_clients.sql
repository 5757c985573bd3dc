with

source as (

    select * from {{ source('mikrotik', 'wifi_clients') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- registration
        menu as wifi_menu,
        interface as interface_name,
        ssid,
        {{ normalize_mac('mac') }} as mac,
        signal_dbm,
        tx_rate_bps,
        rx_rate_bps,
        tx_bytes,
        rx_bytes,
        uptime_s,
        last_activity_s,
        nullif(trim(last_ip), '') as last_ip_address,
        comment

    from source

)

select * from renamed
{{ dedupe_redeliveries(['interface_name', 'mac']) }}
