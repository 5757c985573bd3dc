{#- The cluster's own energy: per k3s node metered by a Shelly circuit (the node_circuits seed) and site-local
    day, the circuit's energy (shared evenly when several nodes hang on one plug), its mean and peak-hour
    power, and the node's mean CPU busy % that day beside it. A day is the UTC hours that start on it
    (whole-hour zones; power_daily_by_room also splits the straddling hour of half-hour zones). -#}

with

node_circuits as (

    select * from {{ ref('stg_seeds__node_circuits') }}

),

circuits as (

    select * from {{ ref('energy_hourly_by_circuit') }}

),

health as (

    select * from {{ ref('node_health_hourly') }}

),

shared as (

    select circuit, count(*) as nodes_on_circuit
    from node_circuits
    group by circuit

),

energy as (

    select
        node_circuits.node,
        circuits.local_date,
        node_circuits.circuit,
        any_value(circuits.device_id) as device_id,
        any_value(circuits.channel) as channel,
        sum(circuits.energy_wh) as circuit_energy_wh,
        sum(circuits.covered_s) as covered_s,
        max(circuits.avg_power_w) as peak_hour_power_w,
        count(*) as hour_count
    from node_circuits
    join circuits on circuits.circuit = node_circuits.circuit
    group by all

),

cpu as (

    select node, cast(hour_start_local as date) as local_date, round(avg(cpu_busy_pct), 1) as cpu_busy_pct
    from health
    group by all

),

final as (

    select
        energy.node,
        energy.local_date,
        energy.circuit,
        energy.device_id,
        energy.channel,
        shared.nodes_on_circuit,
        energy.circuit_energy_wh,
        energy.circuit_energy_wh / shared.nodes_on_circuit as energy_wh,
        case when energy.covered_s > 0 then energy.circuit_energy_wh * 3600 / energy.covered_s end as avg_power_w,
        energy.peak_hour_power_w,
        energy.hour_count,
        cpu.cpu_busy_pct
    from energy
    join shared using (circuit)
    left join cpu using (node, local_date)

)

select * from final
