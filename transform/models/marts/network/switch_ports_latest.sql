-- Every port of each switch as its newest poll saw it: name, link and speed, PoE state and draw, and how many
-- MACs the host table puts on the port. Links, PoE and hosts are polled one after the other: each comes from
-- its own newest poll of the switch, and `observed_at` is the newest of the three.
with

links as (

    select * from {{ ref('stg_swos__links') }}
    qualify observed_at = max(observed_at) over (partition by device_id)

),

poe as (

    select * from {{ ref('stg_swos__poe_ports') }}
    qualify observed_at = max(observed_at) over (partition by device_id)

),

newest_hosts as (

    select * from {{ ref('stg_swos__hosts') }}
    qualify observed_at = max(observed_at) over (partition by device_id)

),

hosts as (

    select device_id, port_number, count(*) as host_count
    from newest_hosts
    group by device_id, port_number

),

final as (

    select
        links.device_id,
        links.port_number,
        links.port_name,
        links.is_up,
        links.speed_mbps,
        poe.poe_state,
        poe.is_powered,
        poe.power_w,
        poe.voltage_v,
        poe.current_ma,
        coalesce(hosts.host_count, 0) as host_count,
        greatest(links.observed_at, poe.observed_at) as observed_at
    from links
    left join poe using (device_id, port_number)
    left join hosts using (device_id, port_number)

)

select * from final
