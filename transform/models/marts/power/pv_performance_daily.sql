{#- PV yield against the irradiance on the array's plane per site-local day: performance ratio = yield / (kWp x
    plane irradiation). Open-Meteo's hourly radiation is the mean over the hour before its time, so an hour's
    irradiation counts on the local date of the hour it describes. A ratio below var('pv_min_performance_ratio')
    flags the day (soiling, shading, a fault) unless the battery was full, when the inverter curtails PV. -#}
with

irradiation as (

    select
        cast({{ to_site_local("hour_start_at - interval 1 hour") }} as date) as described_date,
        sum(global_tilted_irradiance) / 1000 as plane_irradiation_kwh_m2,
        count(*) as hours
    from {{ ref('weather_hourly') }}
    group by described_date

),

yield as (

    select device_id, local_date, pv_kwh, soc_max_pct, is_complete
    from {{ ref('energy_flows_daily') }}

),

final as (

    select
        yield.device_id,
        yield.local_date,
        yield.pv_kwh,
        irradiation.plane_irradiation_kwh_m2,
        {{ var('pv_kwp', 5.0) }} as pv_kwp,
        yield.pv_kwh / nullif({{ var('pv_kwp', 5.0) }} * irradiation.plane_irradiation_kwh_m2, 0) as performance_ratio,
        yield.soc_max_pct >= 99 as was_battery_full,
        yield.is_complete and irradiation.hours = 24 as is_complete
    from yield
    inner join irradiation on irradiation.described_date = yield.local_date

)

select
    *,
    performance_ratio < {{ var('pv_min_performance_ratio', 0.7) }} and not was_battery_full as is_underperforming
from final
