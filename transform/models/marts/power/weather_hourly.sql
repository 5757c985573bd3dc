{#- Outdoor weather per location and UTC hour, from the newest Open-Meteo run that carried the hour (a run issued
    after the hour carries what happened; `is_forecast` says when only a forecast is known yet; `api` which API: an
    hour the collector missed is filled later from the archive). -#}
with

hourly as (

    select * from {{ ref('stg_openmeteo__weather') }}
    where granularity = 'hourly'

),

newest as (

    select *
    from hourly
    qualify row_number() over (partition by location, valid_at order by issued_at desc) = 1

)

select
    location,
    valid_at as hour_start_at,
    {{ to_site_local('valid_at') }} as hour_start_local,
    cast({{ to_site_local('valid_at') }} as date) as local_date,
    issued_at,
    lead_time_h > 0 as is_forecast,
    api,
    temperature_2m,
    relative_humidity_2m,
    dew_point_2m,
    precipitation,
    cloud_cover,
    shortwave_radiation,
    direct_radiation,
    diffuse_radiation,
    global_tilted_irradiance,
    wind_speed_10m,
    weather_code
from newest
