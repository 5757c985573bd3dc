{#- PV yield against the irradiance on the array's plane per site-local day: performance ratio = yield / (kWp x
    plane irradiation). Open-Meteo's hourly radiation is the mean over the hour before its time, so an hour's
    irradiation counts on the local date (and the UTC hour) it describes. The inverter curtails PV when it cannot
    take it - the battery full, or the generator running (bypass: PV only tops up the charge) - so the day's ratio
    understates the array then; `uncurtailed_performance_ratio` takes only the time with neither (the poll intervals
    in which the generator delivered nothing, in hours the battery stayed below 99 %; an hour's irradiation is
    taken as spread evenly over it). A day is flagged `is_underperforming` (soiling, snow,
    shading, a fault) when that ratio is below var('pv_min_performance_ratio') over at least
    var('pv_min_uncurtailed_share') of the day's plane irradiation; with too few such hours nothing is judged. -#}
with

weather as (

    select
        hour_start_at - interval 1 hour as described_hour_at,
        cast({{ to_site_local("hour_start_at - interval 1 hour") }} as date) as described_date,
        global_tilted_irradiance / 1000 as plane_irradiation_kwh_m2
    from {{ ref('weather_hourly') }}

),

irradiation as (

    select described_date, sum(plane_irradiation_kwh_m2) as plane_irradiation_kwh_m2, count(*) as hours
    from weather
    group by described_date

),

intervals as (

    -- each poll interval's share of an hour: PV is free to flow when no AC input (the generator) delivers
    select
        device_id,
        hour_start_at,
        sum(overlap_s) filter (where not is_gap and coalesce(ac_input_wh, 0) <= 0) as free_s,
        sum(pv_wh) filter (where not is_gap and coalesce(ac_input_wh, 0) <= 0) as free_pv_wh
    from {{ ref('int_power_intervals_split_hourly') }}
    group by device_id, hour_start_at

),

hours as (

    -- the hour's irradiation taken as spread evenly over it; an hour the battery reached full is left out
    select
        flows.device_id,
        flows.local_date,
        coalesce(intervals.free_pv_wh, 0) as pv_wh,
        weather.plane_irradiation_kwh_m2 * coalesce(intervals.free_s, 0) / 3600.0 as plane_irradiation_kwh_m2,
        coalesce(flows.soc_max_pct, 100) < 99 as is_uncurtailed
    from {{ ref('energy_flows_hourly') }} as flows
    inner join weather on weather.described_hour_at = flows.hour_start_at
    left join intervals on intervals.device_id = flows.device_id and intervals.hour_start_at = flows.hour_start_at

),

uncurtailed as (

    select
        device_id,
        local_date,
        sum(pv_wh) filter (where is_uncurtailed) / 1000 as pv_kwh,
        coalesce(sum(plane_irradiation_kwh_m2) filter (where is_uncurtailed), 0) as plane_irradiation_kwh_m2
    from hours
    group by device_id, local_date

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
        uncurtailed.plane_irradiation_kwh_m2 / nullif(irradiation.plane_irradiation_kwh_m2, 0) as uncurtailed_share,
        uncurtailed.pv_kwh
            / nullif({{ var('pv_kwp', 5.0) }} * uncurtailed.plane_irradiation_kwh_m2, 0) as uncurtailed_performance_ratio,
        yield.soc_max_pct >= 99 as was_battery_full,
        yield.is_complete and irradiation.hours = 24 as is_complete
    from yield
    inner join irradiation on irradiation.described_date = yield.local_date
    left join uncurtailed on uncurtailed.device_id = yield.device_id and uncurtailed.local_date = yield.local_date

)

select
    *,
    coalesce(
        uncurtailed_share >= {{ var('pv_min_uncurtailed_share', 0.2) }}
        and uncurtailed_performance_ratio < {{ var('pv_min_performance_ratio', 0.7) }},
        false
    ) as is_underperforming
from final
