-- Bytes and connections between each LAN device and the outside per site-local day, country, network (ASN) and
-- direction, from the firewall's connection table: each poll's byte deltas (int_firewall_flows_differenced) on
-- the local day of the poll that saw them. Internal (LAN to LAN) traffic is left out.
with

flows as (

    select * from {{ ref('int_firewall_flows_attributed') }}

),

final as (

    select
        cast({{ to_site_local('observed_at') }} as date) as local_date,
        device_id,
        mac,
        any_value(device_name) as device_name,
        any_value(device_type) as device_type,
        country_code,
        asn,
        any_value(as_org) as as_org,
        direction,
        sum(bytes_sent) as bytes_sent,
        sum(bytes_received) as bytes_received,
        count(distinct flow_id) as connections,
        count(distinct flow_id) filter (where is_new_flow) as connections_started,
        count(distinct external_address) as external_addresses
    from flows
    group by all

)

select * from final
