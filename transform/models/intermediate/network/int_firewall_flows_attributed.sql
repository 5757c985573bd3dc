{#- External flows (outbound and inbound) with the LAN device behind them and where the other side is.

    The device: an IPv4 address through device_ip_history (the lease that held it at the poll; the newest
    interval begun by then), an IPv6 SLAAC address through the MAC inside it (EUI-64). The other side: the
    newest GeoIP lookup of its address (country, ASN, the database builds). -#}
with

flows as (

    select * from {{ ref('int_firewall_flows_differenced') }}
    where direction in ('outbound', 'inbound')

),

ip_history as (

    select * from {{ ref('device_ip_history') }}

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

final as (

    select
        flows.*,
        coalesce(leased.mac, {{ eui64_mac(ip_hex('flows.lan_address')) }}) as mac,
        inventory.display_name as device_name,
        inventory.device_type,
        geoip.country_code,
        geoip.asn,
        geoip.as_org,
        geoip.geoip_database
    from flows
    left join leased using (flow_id, observed_at)
    left join inventory
        on inventory.mac = coalesce(leased.mac, {{ eui64_mac(ip_hex('flows.lan_address')) }})
    left join geoip on geoip.address = flows.external_address

)

select * from final
