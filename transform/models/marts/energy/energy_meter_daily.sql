{#- Energy per energy-meter channel and site-local day (the day an hour starts on, var('site_timezone')):
    imported and returned kWh and the share of the day readings cover; a day below 99 % is not `is_complete`
    (a meter offline or unpolled for part of it: its energy is then right in total only where the counter
    bridged the gap, `is_bridged`). -#}
with

hourly as (

    select * from {{ ref('energy_meter_hourly') }}

),

daily as (

    select
        local_date,
        device_id,
        channel,
        any_value(circuit) as circuit,
        any_value(kind) as kind,
        sum(energy_wh) as energy_wh,
        sum(returned_energy_wh) as returned_energy_wh,
        sum(coverage * 3600) as measured_s,
        count(*) as hour_count,
        bool_or(is_bridged) as is_bridged
    from hourly
    group by local_date, device_id, channel

),

final as (

    select
        local_date,
        device_id,
        channel,
        circuit,
        kind,
        energy_wh / 1000.0 as energy_kwh,
        returned_energy_wh / 1000.0 as returned_energy_kwh,
        (energy_wh - returned_energy_wh) / 1000.0 as net_energy_kwh,
        hour_count,
        least(
            measured_s / date_diff(
                'second',
                timezone('{{ var("site_timezone") }}', cast(local_date as timestamp)),
                timezone('{{ var("site_timezone") }}', cast(local_date + 1 as timestamp))
            ),
            1.0
        ) as coverage,
        is_bridged
    from daily

)

select
    *,
    coverage >= 0.99 as is_complete
from final
