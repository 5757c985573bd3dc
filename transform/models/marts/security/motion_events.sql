{#- One row per start of motion: a reading of motion (Shelly Motion `motion`) or occupancy (Zigbee2MQTT
    `occupancy`) that is true when the sensor's previous known reading was false or there was none.
    Readings are taken in the order the collector received them; readings without the flag are skipped. -#}
with

readings as (

    select * from {{ ref('int_sensor_readings_unioned') }}
    where is_motion is not null

),

sensors as (

    select * from {{ ref('int_sensors_located') }}

),

transitions as (

    select
        *,
        lag(is_motion) over (
            partition by source, device_id
            order by received_at, observed_at
        ) as was_motion
    from readings

),

final as (

    select
        transitions.observed_at as event_at,
        sensors.room,
        transitions.device_id,
        transitions.source
    from transitions
    left join sensors
        on transitions.device_id = sensors.device_id
        and transitions.source = sensors.source
    where transitions.is_motion
        and not coalesce(transitions.was_motion, false)

)

select * from final
