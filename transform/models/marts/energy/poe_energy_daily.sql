{#- PoE energy per port and site-local day (the hours that start on it), with the powered device and its room,
    and how much of the day readings cover (`coverage`, the share of the day's hours - 23 or 25 on the days the
    clocks change); a day below 99 % is not `is_complete`, as in power_daily_by_room. -#}
with

hourly as (

    select * from {{ ref('poe_energy_hourly') }}

)

select
    local_date,
    switch,
    port_number,
    any_value(port_name) as port_name,
    circuit,
    any_value(powered_mac) as powered_mac,
    any_value(powered_device) as powered_device,
    any_value(powered_device_type) as powered_device_type,
    any_value(room) as room,
    sum(energy_wh) as energy_wh,
    max(peak_power_w) as peak_power_w,
    count(*) as hour_count,
    sum(coverage) / any_value(day_hours) as coverage,
    sum(coverage) / any_value(day_hours) >= 0.99 as is_complete
from (
    select
        *,
        epoch(timezone('{{ var("site_timezone") }}', (local_date + 1)::timestamp)
            - timezone('{{ var("site_timezone") }}', local_date::timestamp)) / 3600.0 as day_hours
    from hourly
)
group by local_date, switch, port_number, circuit
