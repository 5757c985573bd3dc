-- Connections from the outside to a LAN host (through a forwarded port: dst-nat) per site-local day, country,
-- network, LAN host and port: how many, how many were answered (the firewall saw a reply), and their bytes.
with

flows as (

    select * from {{ ref('int_firewall_flows_attributed') }}
    where direction = 'inbound'

),

final as (

    select
        cast({{ to_site_local('observed_at') }} as date) as local_date,
        device_id,
        country_code,
        asn,
        any_value(as_org) as as_org,
        lan_address,
        mac,
        any_value(device_name) as device_name,
        protocol,
        dst_port,
        count(distinct flow_id) as connections,
        count(distinct flow_id) filter (where is_seen_reply) as answered_connections,
        count(distinct external_address) as external_addresses,
        sum(bytes_sent) as bytes_sent,
        sum(bytes_received) as bytes_received
    from flows
    group by all

)

select * from final
