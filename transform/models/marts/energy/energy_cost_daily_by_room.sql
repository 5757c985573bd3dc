{#- Money per site-local day, room and circuit: each hour's metered kWh at that hour's cost of a delivered kWh
    (energy_cost_hourly). Null where the tariff leaves a needed price unknown. -#}
with

circuits as (

    select * from {{ ref('energy_hourly_by_circuit') }}

),

hourly as (

    select hour_start_at, cost_per_kwh, currency from {{ ref('energy_cost_hourly') }}

),

final as (

    select
        circuits.local_date,
        coalesce(circuits.room, 'unassigned') as room,
        circuits.circuit,
        sum(circuits.energy_wh) / 1000.0 as energy_kwh,
        sum(circuits.energy_wh / 1000.0 * hourly.cost_per_kwh) as cost,
        -- a cost only when every hour with energy had a price
        count(*) filter (where circuits.energy_wh > 0 and hourly.cost_per_kwh is null) = 0 as is_priced,
        any_value(hourly.currency) as currency
    from circuits
    left join hourly using (hour_start_at)
    group by all

)

select
    local_date,
    room,
    circuit,
    energy_kwh,
    case when is_priced then cost end as cost,
    cost / nullif(energy_kwh, 0) as avg_cost_per_kwh,
    currency
from final
