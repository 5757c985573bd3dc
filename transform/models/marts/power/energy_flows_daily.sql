{#- The books per inverter and site-local day (day boundaries in var('site_timezone')); a day with less than
    99 % of its time covered by polls is marked incomplete, with its coverage. -#}
with

hourly as (

    select * from {{ ref('energy_flows_hourly') }}

),

soc as (

    select
        device_id,
        cast({{ to_site_local('observed_at') }} as date) as local_date,
        min(battery_soc_pct) as soc_min_pct,
        max(battery_soc_pct) as soc_max_pct
    from {{ ref('stg_powmr__status') }}
    group by device_id, local_date

),

daily as (

    select
        device_id,
        local_date,
        sum(pv_wh) / 1000 as pv_kwh,
        sum(battery_discharge_wh) / 1000 as battery_discharge_kwh,
        sum(generator_wh) / 1000 as generator_kwh,
        sum(grid_import_wh) / 1000 as grid_import_kwh,
        sum(load_wh) / 1000 as load_kwh,
        sum(battery_charge_wh) / 1000 as battery_charge_kwh,
        sum(grid_export_wh) / 1000 as grid_export_kwh,
        sum(losses_wh) / 1000 as losses_kwh,
        sum(load_on_ac_input_wh) / 1000 as load_on_ac_input_kwh,
        sum(covered_s) as covered_s
    from hourly
    group by device_id, local_date

),

final as (

    select
        daily.*,
        daily.covered_s / date_diff(
            'second',
            timezone('{{ var("site_timezone") }}', cast(daily.local_date as timestamp)),
            timezone('{{ var("site_timezone") }}', cast(daily.local_date + 1 as timestamp))
        ) as coverage,
        soc.soc_min_pct,
        soc.soc_max_pct
    from daily
    left join soc using (device_id, local_date)

)

select
    *,
    coverage >= 0.99 as is_complete
from final
