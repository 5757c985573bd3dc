{#- Every Open-Meteo run's hourly forecast scored against what happened, per site-local day and lead day
    (0 = the hours within 24 h of the run): outdoor temperature (mean absolute error and bias) and the PV yield the
    forecast plane irradiance predicted (kWp x var('pv_reference_ratio')) against the inverter's actual yield
    over the same hours. -#}
with

forecasts as (

    select *
    from {{ ref('stg_openmeteo__weather') }}
    where granularity = 'hourly' and lead_time_h > 0 and api = 'forecast'

),

actuals as (

    select * from {{ ref('weather_hourly') }}
    where not is_forecast

),

pv as (

    select hour_start_at, sum(pv_wh) as pv_wh
    from {{ ref('energy_flows_hourly') }}
    group by hour_start_at

),

scored as (

    select
        forecasts.location,
        forecasts.issued_at,
        cast({{ to_site_local("forecasts.valid_at - interval 1 hour") }} as date) as local_date,
        cast(floor((forecasts.lead_time_h - 1) / 24) as integer) as lead_day,
        forecasts.temperature_2m - actuals.temperature_2m as temperature_error_c,
        forecasts.global_tilted_irradiance * {{ var('pv_kwp', 5.0) }} * {{ var('pv_reference_ratio', 0.85) }}
            as pv_predicted_wh,
        pv.pv_wh as pv_actual_wh
    from forecasts
    inner join actuals
        on actuals.location = forecasts.location and actuals.hour_start_at = forecasts.valid_at
    left join pv on pv.hour_start_at = forecasts.valid_at - interval 1 hour

),

final as (

    select
        location,
        local_date,
        lead_day,
        count(distinct issued_at) as runs,
        count(*) as forecast_hours,  -- (run, hour) pairs scored
        avg(abs(temperature_error_c)) as temperature_mae_c,
        avg(temperature_error_c) as temperature_bias_c,
        avg(abs(pv_predicted_wh - pv_actual_wh)) as pv_mae_wh_per_hour,
        (sum(pv_predicted_wh) - sum(pv_actual_wh)) / nullif(sum(pv_actual_wh), 0) as pv_relative_error
    from scored
    group by location, local_date, lead_day

)

select * from final
