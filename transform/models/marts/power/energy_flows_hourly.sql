{#- The books of the power system per inverter and UTC hour: sources (PV, battery discharge, generator, grid
    import) = sinks (load, battery charge, grid export) + losses. Losses are what the inverter and the battery's
    terminals do not account for (conversion), reported, never hidden. -#}
with

split as (

    select * from {{ ref('int_power_intervals_split_hourly') }}

),

flows as (

    select
        device_id,
        hour_start_at,
        sum(pv_wh) as pv_wh,
        sum(load_wh) as load_wh,
        sum(battery_charge_wh) as battery_charge_wh,
        sum(battery_discharge_wh) as battery_discharge_wh,
        coalesce(sum(case when ac_input = 'generator' then ac_input_wh end), 0) as generator_wh,
        coalesce(sum(case when coalesce(ac_input, 'grid') = 'grid' then ac_input_wh end), 0) as grid_import_wh,
        0.0::double as grid_export_wh,  -- an off-grid inverter exports nothing; kept so the books read the same on-grid
        coalesce(sum(case when ac_input_wh > 0 then load_wh end), 0) as load_on_ac_input_wh,
        sum(case when not is_gap then overlap_s else 0 end) as covered_s
    from split
    group by device_id, hour_start_at

),

soc as (

    select
        device_id,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        min(battery_soc_pct) as soc_min_pct,
        max(battery_soc_pct) as soc_max_pct
    from {{ ref('stg_powmr__status') }}
    group by device_id, hour_start_at

),

final as (

    select
        flows.device_id,
        flows.hour_start_at,
        {{ to_site_local('flows.hour_start_at') }} as hour_start_local,
        cast({{ to_site_local('flows.hour_start_at') }} as date) as local_date,
        flows.pv_wh,
        flows.battery_discharge_wh,
        flows.generator_wh,
        flows.grid_import_wh,
        flows.load_wh,
        flows.battery_charge_wh,
        flows.grid_export_wh,
        flows.pv_wh + flows.battery_discharge_wh + flows.generator_wh + flows.grid_import_wh
            - flows.load_wh - flows.battery_charge_wh - flows.grid_export_wh as losses_wh,
        flows.load_on_ac_input_wh,
        soc.soc_min_pct,
        soc.soc_max_pct,
        flows.covered_s,
        flows.covered_s / 3600.0 as coverage,
        flows.covered_s >= 3600 * 0.99 as is_complete
    from flows
    left join soc using (device_id, hour_start_at)

)

select * from final
