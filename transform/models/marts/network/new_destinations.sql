-- The first time each LAN device talked to a country, and to a network (ASN), in the connection table's
-- history (outbound connections): one row per device and destination, destination_kind 'country' or 'asn'.
-- The first day of the history is everyone's first time.
with

flows as (

    select * from {{ ref('int_firewall_flows_attributed') }}
    where direction = 'outbound' and mac is not null

),

by_country as (

    select
        mac,
        'country' as destination_kind,
        country_code as destination,
        country_code,
        cast(null as bigint) as asn,
        cast(null as varchar) as as_org,
        min(observed_at) as first_seen_at,
        arg_min(external_address, observed_at) as first_external_address
    from flows
    where country_code is not null
    group by mac, country_code

),

by_asn as (

    select
        mac,
        'asn' as destination_kind,
        cast(asn as varchar) as destination,
        arg_min(country_code, observed_at) as country_code,
        asn,
        any_value(as_org) as as_org,
        min(observed_at) as first_seen_at,
        arg_min(external_address, observed_at) as first_external_address
    from flows
    where asn is not null
    group by mac, asn

),

unioned as (

    select * from by_country
    union all
    select * from by_asn

),

final as (

    select
        unioned.mac,
        inventory.display_name as device_name,
        inventory.device_type,
        unioned.destination_kind,
        unioned.destination,
        unioned.country_code,
        unioned.asn,
        unioned.as_org,
        unioned.first_seen_at,
        cast({{ to_site_local('unioned.first_seen_at') }} as date) as first_seen_local_date,
        unioned.first_external_address
    from unioned
    left join {{ ref('inventory') }} as inventory using (mac)

)

select * from final
