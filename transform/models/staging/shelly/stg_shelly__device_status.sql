with

source as (

    select * from {{ source('shelly', 'device_status') }}
    -- rows parsed from a redelivered MQTT message are a second copy of rows already in the lake
    where not {{ is_mqtt_redelivery("lower(transport) = 'mqtt'") }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- device
        generation,
        model,
        {{ normalize_mac('mac') }} as mac,
        ip as ip_address,
        firmware,
        uptime_s,
        rssi_dbm,
        ssid,
        is_online,
        cloud_connected as is_cloud_connected,
        mqtt_connected as is_mqtt_connected,
        ram_free_bytes,
        has_update,
        lower(transport) as transport

    from source

)

select * from renamed
{{ dedupe_redeliveries([
    'transport', 'generation', 'model', 'mac', 'ip_address', 'firmware', 'uptime_s', 'rssi_dbm', 'ssid',
    'is_online', 'is_cloud_connected', 'is_mqtt_connected', 'ram_free_bytes', 'has_update',
]) }}
