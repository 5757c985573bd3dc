with

source as (

    select * from {{ source('shelly', 'sensor_readings') }}
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

        -- which sensor
        generation,
        model,
        channel,
        lower(transport) as transport,

        -- readings (a Gen1 MQTT topic carries one value, so most columns of such a row are null)
        temperature_c,
        humidity_pct,
        lux,
        battery_pct,
        battery_v,
        motion as is_motion,
        vibration as is_vibration

    from source

)

select * from renamed
{{ dedupe_redeliveries([
    'channel', 'transport', 'temperature_c', 'humidity_pct', 'lux', 'battery_pct', 'battery_v',
    'is_motion', 'is_vibration',
]) }}
