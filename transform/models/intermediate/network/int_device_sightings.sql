{#- One row per MAC per observation in which the device was actually there: a bound lease (at the
    moment the router last heard from it, when known) or a row of a wifi registration table. -#}
with

leases as (

    select * from {{ ref('stg_mikrotik__dhcp_leases') }}

),

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}

),

lease_sightings as (

    select
        mac,
        coalesce(last_seen_at, observed_at) as sighting_at,
        observed_at,
        device_id,
        'dhcp_lease' as sighting_source,
        dhcp_server as seen_via,
        ip_address,
        hostname,
        cast(null as double) as signal_dbm
    from leases
    where lease_status = 'bound'
        and mac is not null

),

wifi_sightings as (

    select
        mac,
        observed_at as sighting_at,
        observed_at,
        device_id,
        'wifi' as sighting_source,
        interface_name as seen_via,
        last_ip_address as ip_address,
        cast(null as varchar) as hostname,
        signal_dbm
    from wifi_clients
    where mac is not null

),

final as (

    select * from lease_sightings
    union all
    select * from wifi_sightings

)

select * from final
