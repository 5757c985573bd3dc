{#- Temperature and humidity per room and UTC hour, from Shelly sensors (H&T, add-on probes) and
    Zigbee2MQTT sensors, each placed in its room by sensor_rooms (Shelly: else device_metadata). A
    sensor with no room is left out: averaging unplaced sensors together would describe no room.
    Beside each hour, the outdoor temperature and humidity from Open-Meteo (weather_hourly; averaged when
    the site watches several locations), null where no weather was collected. -#}
with

readings as (

    select * from {{ ref('int_sensor_readings_unioned') }}
    where temperature_c is not null
        or humidity_pct is not null

),

sensors as (

    select * from {{ ref('int_sensors_located') }}

),

placed as (

    select
        readings.*,
        sensors.room,
        {{ utc_hour_start('readings.observed_at') }} as hour_start_at
    from readings
    inner join sensors
        on readings.device_id = sensors.device_id
        and readings.source = sensors.source
    where sensors.room is not null

),

outdoor as (

    select
        hour_start_at,
        avg(temperature_2m) as outdoor_temperature_c,
        avg(relative_humidity_2m) as outdoor_humidity_pct,
        bool_or(is_forecast) as is_outdoor_forecast
    from {{ ref('weather_hourly') }}
    group by hour_start_at

),

rooms as (

    select
        hour_start_at,
        {{ to_site_local('hour_start_at') }} as hour_start_local,
        room,
        avg(temperature_c) as avg_temperature_c,
        min(temperature_c) as min_temperature_c,
        max(temperature_c) as max_temperature_c,
        avg(humidity_pct) as avg_humidity_pct,
        count(*) as sample_count,
        count(temperature_c) as temperature_sample_count,
        count(humidity_pct) as humidity_sample_count,
        count(distinct device_id) as sensor_count,
        max(observed_at) as last_observed_at
    from placed
    group by hour_start_at, room

),

final as (

    select
        rooms.*,
        outdoor.outdoor_temperature_c,
        outdoor.outdoor_humidity_pct,
        outdoor.is_outdoor_forecast
    from rooms
    left join outdoor using (hour_start_at)

)

select * from final
