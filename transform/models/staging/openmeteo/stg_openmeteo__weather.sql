with

source as (

    select * from {{ source('openmeteo', 'weather') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id as location,
        collector,

        -- which run, which step
        coalesce(api, 'forecast') as api,  -- files from before the column are all forecast runs
        granularity,
        issued_at,
        time as valid_at,
        interval_s,
        date_diff('second', issued_at, time) / 3600.0 as lead_time_h,
        latitude,
        longitude,

        -- variables under Open-Meteo's names
        temperature_2m,
        relative_humidity_2m,
        dew_point_2m,
        apparent_temperature,
        precipitation,
        rain,
        snowfall,
        cloud_cover,
        pressure_msl,
        shortwave_radiation,
        direct_radiation,
        diffuse_radiation,
        direct_normal_irradiance,
        global_tilted_irradiance,
        wind_speed_10m,
        wind_direction_10m,
        wind_gusts_10m,
        weather_code,
        is_day,
        temperature_2m_max,
        temperature_2m_min,
        precipitation_sum,
        shortwave_radiation_sum

    from source

)

select * from renamed
qualify row_number() over (
    partition by location, issued_at, granularity, valid_at order by received_at, collector
) = 1
