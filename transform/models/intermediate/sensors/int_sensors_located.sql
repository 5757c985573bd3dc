{#- One row per sensor device id (Shelly sensors and Zigbee2MQTT devices that report climate, motion
    or a lock) with its room: the sensor_rooms seed row for the id, else (Shelly only) the device's
    room from device_metadata through its MAC. -#}
with

sensor_rooms as (

    select * from {{ ref('stg_seeds__sensor_rooms') }}

),

shelly_devices as (

    select * from {{ ref('int_shelly_devices_identified') }}

),

sensors as (

    select distinct device_id, 'shelly' as source from {{ ref('stg_shelly__sensor_readings') }}
    union
    select distinct device_id, 'zigbee' as source from {{ ref('stg_zigbee__sensor_readings') }}
    union
    select distinct device_id, 'zigbee' as source from {{ ref('stg_zigbee__lock_events') }}

),

final as (

    select
        sensors.device_id,
        sensors.source,
        coalesce(sensor_rooms.room, shelly_devices.room) as room,
        case
            when sensor_rooms.room is not null then 'sensor_rooms'
            when shelly_devices.room is not null then 'device_metadata'
        end as room_source
    from sensors
    left join sensor_rooms
        on sensors.device_id = sensor_rooms.device_id
    left join shelly_devices
        on sensors.source = 'shelly'
        and sensors.device_id = shelly_devices.device_id

)

select * from final
