{#- The battery per site-local day: energy in and out, equivalent full cycles (discharge over the usable
    capacity var('battery_capacity_wh')), depth of discharge (SoC range), time below var('battery_low_soc_pct'), and time the inverter's output was off
    (`output_off_hours`: run mode shutdown or fault - the battery empty with no AC input to fall back on, the
    load unserved). -#}
with

intervals as (

    select
        intervals.device_id,
        cast({{ to_site_local('intervals.interval_start_at') }} as date) as local_date,
        intervals.duration_s,
        intervals.is_gap,
        status.battery_soc_pct as soc_at_start_pct,
        status.mode as mode_at_start
    from {{ ref('stg_powmr__energy_intervals') }} as intervals
    left join {{ ref('stg_powmr__status') }} as status
        on status.device_id = intervals.device_id and status.observed_at = intervals.interval_start_at

),

low as (

    select
        device_id,
        local_date,
        sum(case when not is_gap and soc_at_start_pct < {{ var('battery_low_soc_pct', 20) }} then duration_s else 0 end)
            as low_soc_s,
        sum(case when not is_gap and mode_at_start in ('shutdown', 'fault') then duration_s else 0 end)
            as output_off_s
    from intervals
    group by device_id, local_date

),

final as (

    select
        flows.device_id,
        flows.local_date,
        flows.battery_charge_kwh,
        flows.battery_discharge_kwh,
        flows.battery_discharge_kwh * 1000 / {{ var('battery_capacity_wh', 5000) }} as equivalent_full_cycles,
        flows.soc_min_pct,
        flows.soc_max_pct,
        flows.soc_max_pct - flows.soc_min_pct as depth_of_discharge_pct,
        coalesce(low.low_soc_s, 0) / 3600.0 as low_soc_hours,
        coalesce(low.output_off_s, 0) / 3600.0 as output_off_hours,
        flows.is_complete
    from {{ ref('energy_flows_daily') }} as flows
    left join low using (device_id, local_date)

)

select * from final
