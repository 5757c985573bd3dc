{#- External flows (outbound and inbound) with the LAN device behind them and where the other side is.

    The device: an IPv4 address through device_ip_history (the lease that held it at the poll; the newest
    interval begun by then). An IPv6 address through the routers' IPv6 neighbour tables: the MAC an entry for
    that address showed at the neighbour poll nearest the flow's poll, within traffic_neighbor_window_s either
    side (phones, laptops and tablets open connections from RFC 4941/8981 temporary addresses that name no MAC;
    the table maps them, and keeps a stale entry a while after their last use); failing that, a SLAAC address
    through the MAC inside it (EUI-64). `mac_source` says which (lease, neighbor, eui64). The other side: the
    newest GeoIP lookup of its address (country, ASN, the database builds). -#}
with

flows as (

    select * from {{ ref('int_firewall_flows_differenced') }}
    where direction in ('outbound', 'inbound')

),

ip_history as (

    select * from {{ ref('device_ip_history') }}

),

neighbors as (

    select observed_at, ip_address, mac
    from {{ ref('stg_mikrotik__ipv6_neighbors') }}
    where mac is not null and neighbor_status not in ('failed', 'incomplete')

),

inventory as (

    select * from {{ ref('inventory') }}

),

geoip as (

    select
        address,
        arg_max(country_code, observed_at) as country_code,
        arg_max(asn, observed_at) as asn,
        arg_max(as_org, observed_at) as as_org,
        arg_max(geoip_database, observed_at) as geoip_database
    from {{ ref('stg_mikrotik__geoip_lookups') }}
    group by address

),

leased as (

    -- the lease holding the address at the poll: the newest interval begun by then, else one begun within
    -- traffic_lease_slack_s after it (a device's first connections can come before the next lease poll)
    select
        flows.flow_id,
        flows.observed_at,
        ip_history.mac
    from flows
    inner join ip_history
        on ip_history.ip = flows.lan_address
        and ip_history.valid_from <= {{ seconds_before('flows.observed_at', -var('traffic_lease_slack_s')) }}
        and (ip_history.valid_to is null or flows.observed_at < ip_history.valid_to)
    where not contains(flows.lan_address, ':')
    qualify row_number() over (
        partition by flows.flow_id, flows.observed_at
        order by ip_history.valid_from <= flows.observed_at desc,
            case when ip_history.valid_from <= flows.observed_at then epoch(ip_history.valid_from) end desc,
            ip_history.valid_from
    ) = 1

),

neighbored as (

    -- the MAC the neighbour table gave the address at the poll nearest the flow's (ties: the earlier poll)
    select
        flows.flow_id,
        flows.observed_at,
        neighbors.mac
    from flows
    inner join neighbors
        on neighbors.ip_address = flows.lan_address
        and neighbors.observed_at >= {{ seconds_before('flows.observed_at', var('traffic_neighbor_window_s')) }}
        and neighbors.observed_at <= {{ seconds_before('flows.observed_at', -var('traffic_neighbor_window_s')) }}
    where contains(flows.lan_address, ':')
    qualify row_number() over (
        partition by flows.flow_id, flows.observed_at
        order by abs(epoch(neighbors.observed_at) - epoch(flows.observed_at)), neighbors.observed_at, neighbors.mac
    ) = 1

),

resolved as (

    select
        flows.*,
        coalesce(leased.mac, neighbored.mac, {{ eui64_mac(ip_hex('flows.lan_address')) }}) as mac,
        case
            when leased.mac is not null then 'lease'
            when neighbored.mac is not null then 'neighbor'
            when {{ eui64_mac(ip_hex('flows.lan_address')) }} is not null then 'eui64'
        end as mac_source
    from flows
    left join leased using (flow_id, observed_at)
    left join neighbored using (flow_id, observed_at)

),

final as (

    select
        resolved.*,
        inventory.display_name as device_name,
        inventory.device_type,
        geoip.country_code,
        geoip.asn,
        geoip.as_org,
        geoip.geoip_database
    from resolved
    left join inventory on inventory.mac = resolved.mac
    left join geoip on geoip.address = resolved.external_address

)

select * from final
