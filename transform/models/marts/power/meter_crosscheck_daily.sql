{#- Two instruments on one wire, per site-local day: each energy-meter channel on the power system (kind
    `generator`: the generator's line; `inverter_output`: the inverter's AC output) against the inverter's own
    figure for that flow (generator_kwh, load_kwh of energy_flows_daily, the site's inverters together). A day
    of a channel seen before shows even when the meter sent nothing that day (meter_coverage 0). Only a day both
    instruments cover completely can disagree: by more than var('meter_crosscheck_tolerance_pct') of the
    inverter's figure and more than var('meter_crosscheck_floor_wh') (near-zero days do not flag; an inverter
    figure of 0 against a meter above the floor does). -#}
with

meter_days as (

    select * from {{ ref('energy_meter_daily') }}
    where kind in ('generator', 'inverter_output')

),

inverter_days as (

    select * from {{ ref('energy_flows_daily') }}

),

inverter_count as (

    select count(distinct device_id) as inverters from inverter_days

),

inverter as (

    -- a day is complete only when every inverter the warehouse knows covered it
    select
        local_date,
        sum(generator_kwh) as generator_kwh,
        sum(load_kwh) as load_kwh,
        min(coverage) as least_coverage,
        count(distinct device_id) as inverters,
        bool_and(is_complete) as is_complete
    from inverter_days
    group by local_date

),

channels as (

    select
        device_id,
        channel,
        any_value(circuit) as circuit,
        any_value(kind) as kind,
        min(local_date) as first_date
    from meter_days
    group by device_id, channel

),

days as (

    select channels.device_id, channels.channel, inverter.local_date
    from channels
    inner join inverter
        on inverter.local_date >= channels.first_date
    union
    select device_id, channel, local_date
    from meter_days

),

joined as (

    select
        days.local_date,
        days.device_id,
        days.channel,
        channels.circuit,
        channels.kind,
        case channels.kind when 'generator' then 'generator' else 'load' end as inverter_flow,
        coalesce(meter_days.energy_kwh, 0) * 1000 as meter_wh,
        case channels.kind when 'generator' then inverter.generator_kwh else inverter.load_kwh end * 1000
            as inverter_wh,
        coalesce(meter_days.coverage, 0) as meter_coverage,
        coalesce(meter_days.is_complete, false) as is_meter_complete,
        case
            when inverter.inverters = inverter_count.inverters then least(inverter.least_coverage, 1.0)
            else 0.0
        end as inverter_coverage,
        coalesce(inverter.is_complete and inverter.inverters = inverter_count.inverters, false)
            as is_inverter_complete
    from days
    inner join channels
        on days.device_id = channels.device_id
        and days.channel = channels.channel
    left join meter_days
        on days.local_date = meter_days.local_date
        and days.device_id = meter_days.device_id
        and days.channel = meter_days.channel
    left join inverter
        on days.local_date = inverter.local_date
    cross join inverter_count

),

final as (

    select
        local_date,
        device_id,
        channel,
        circuit,
        kind,
        inverter_flow,
        meter_wh / 1000.0 as meter_kwh,
        inverter_wh / 1000.0 as inverter_kwh,
        meter_wh - inverter_wh as difference_wh,
        100.0 * (meter_wh - inverter_wh) / nullif(inverter_wh, 0) as difference_pct,
        meter_coverage,
        is_meter_complete,
        inverter_coverage,
        is_inverter_complete,
        is_meter_complete and is_inverter_complete as is_complete,
        coalesce(
            is_meter_complete
            and is_inverter_complete
            and abs(meter_wh - inverter_wh) > {{ var('meter_crosscheck_floor_wh') }}
            and (
                inverter_wh = 0
                or abs(meter_wh - inverter_wh) > {{ var('meter_crosscheck_tolerance_pct') }} / 100.0 * abs(inverter_wh)
            ),
            false
        ) as is_disagreeing
    from joined

)

select * from final
