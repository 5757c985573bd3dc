with

source as (

    select * from {{ source('zigbee', 'sensor_readings') }}
    -- rows parsed from a redelivered MQTT message are a second copy of rows already in the lake
    where not {{ is_mqtt_redelivery() }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,  -- the Zigbee2MQTT friendly name
        collector,

        -- readings
        temperature_c,
        humidity_pct,
        pressure_hpa,
        illuminance_lux,
        occupancy as is_occupied,
        contact as is_closed,  -- Zigbee2MQTT `contact`: true = closed
        battery_pct,
        voltage_mv,
        linkquality

    from source

)

select * from renamed
{{ dedupe_redeliveries([
    'temperature_c', 'humidity_pct', 'pressure_hpa', 'illuminance_lux', 'is_occupied', 'is_closed',
    'battery_pct', 'voltage_mv', 'linkquality',
]) }}
