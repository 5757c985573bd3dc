{#- One row per generator run: from the first poll that saw the generator feeding the AC input to the first poll
    that saw it stopped (so both ends are exact to one poll interval). Fuel is estimated from the energy at
    var('generator_fuel_l_per_kwh'). A run still going at the last poll has no `stopped_at`. -#}
with

polls as (

    select
        device_id,
        observed_at,
        ac_input = 'generator' and ac_input_power_w > {{ var('generator_on_w', 50) }} as is_running
    from {{ ref('stg_powmr__status') }}

),

edges as (

    select
        *,
        lag(is_running) over (partition by device_id order by observed_at) as was_running,
        lead(observed_at) over (partition by device_id order by observed_at) as next_observed_at
    from polls

),

numbered as (

    select
        *,
        sum(case when is_running and not coalesce(was_running, false) then 1 else 0 end)
            over (partition by device_id order by observed_at) as run_number
    from edges

),

runs as (

    select
        device_id,
        run_number,
        min(observed_at) as started_at,
        arg_max(next_observed_at, observed_at) as stopped_at
    from numbered
    where is_running
    group by device_id, run_number

),

energy as (

    select
        runs.device_id,
        runs.run_number,
        sum(intervals.ac_input_wh) / 1000 as energy_kwh
    from runs
    left join {{ ref('stg_powmr__energy_intervals') }} as intervals
        on intervals.device_id = runs.device_id
        and intervals.interval_start_at >= runs.started_at
        and intervals.interval_end_at <= coalesce(runs.stopped_at, intervals.interval_end_at)
    group by runs.device_id, runs.run_number

),

final as (

    select
        runs.device_id,
        runs.run_number,
        runs.started_at,
        runs.stopped_at,
        date_diff('second', runs.started_at, runs.stopped_at) / 3600.0 as run_hours,
        energy.energy_kwh,
        energy.energy_kwh * {{ var('generator_fuel_l_per_kwh', 0.35) }} as fuel_l_estimated,
        runs.stopped_at is null as is_running
    from runs
    left join energy using (device_id, run_number)

)

select * from final
