{#- Shelly and Zigbee2MQTT sensor readings in one shape, one row per reading, tagged with their
    source: the climate and motion marts read sensors through this one union instead of each copying it.
    Shelly Motion's `motion` and Zigbee2MQTT's `occupancy` are the same fact (someone moved), so both
    become is_motion. Readings that carry none of these values (battery only, lux only) are left out. -#}
with

shelly_readings as (

    select * from {{ ref('stg_shelly__sensor_readings') }}

),

zigbee_readings as (

    select * from {{ ref('stg_zigbee__sensor_readings') }}

),

unioned as (

    select
        device_id,
        'shelly' as source,
        observed_at,
        received_at,
        temperature_c,
        humidity_pct,
        is_motion
    from shelly_readings
    union all
    select
        device_id,
        'zigbee' as source,
        observed_at,
        received_at,
        temperature_c,
        humidity_pct,
        is_occupied as is_motion
    from zigbee_readings

),

final as (

    select * from unioned
    where temperature_c is not null
        or humidity_pct is not null
        or is_motion is not null

)

select * from final
