{#- One row per MAC found in the latest poll of a router that is still being polled: its lease status
    there and whether it counts as online (bound lease heard from recently, or associated to an AP). -#}
with

leases as (

    select * from {{ ref('stg_mikrotik__dhcp_leases') }}

),

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}

),

routers as (

    select * from {{ ref('int_router_polls_summarized') }}
    where is_fresh

),

-- The latest snapshot of a DHCP server or wifi menu only counts when it belongs to the router's latest
-- poll: a poll that found no wifi clients writes no rows, and the previous table must not stand in.
lease_snapshots as (

    select
        leases.device_id,
        leases.dhcp_server,
        max(leases.observed_at) as snapshot_at
    from leases
    group by leases.device_id, leases.dhcp_server

),

current_lease_snapshots as (

    select lease_snapshots.*
    from lease_snapshots
    inner join routers
        on lease_snapshots.device_id = routers.device_id
    where lease_snapshots.snapshot_at >= routers.latest_poll_from_at

),

wifi_snapshots as (

    select
        wifi_clients.device_id,
        wifi_clients.wifi_menu,
        max(wifi_clients.observed_at) as snapshot_at
    from wifi_clients
    group by wifi_clients.device_id, wifi_clients.wifi_menu

),

current_wifi_snapshots as (

    select wifi_snapshots.*
    from wifi_snapshots
    inner join routers
        on wifi_snapshots.device_id = routers.device_id
    where wifi_snapshots.snapshot_at >= routers.latest_poll_from_at

),

current_leases as (

    select
        leases.*,
        leases.lease_status = 'bound'
            -- A present client renews at half the lease time (DHCP T1), so while it is there the time
            -- since it was last seen never exceeds the time left on the lease (plus polling slack).
            -- Without an expiry, fall back to a fixed recency; no last-seen at all on a bound lease:
            -- the binding itself is the best evidence.
            and coalesce(leases.last_seen_s, 0) <= coalesce(
                leases.expires_after_s + {{ var('lease_renewal_slack_s') }},
                {{ var('online_last_seen_s') }}
            ) as is_lease_online
    from leases
    inner join current_lease_snapshots as snapshots
        on leases.device_id = snapshots.device_id
        and leases.dhcp_server is not distinct from snapshots.dhcp_server
        and leases.observed_at = snapshots.snapshot_at
    where leases.mac is not null

),

current_wifi_clients as (

    select wifi_clients.*
    from wifi_clients
    inner join current_wifi_snapshots as snapshots
        on wifi_clients.device_id = snapshots.device_id
        and wifi_clients.wifi_menu is not distinct from snapshots.wifi_menu
        and wifi_clients.observed_at = snapshots.snapshot_at
    where wifi_clients.mac is not null

),

last_wifi_sightings as (

    select
        mac,
        max(observed_at) as last_wifi_seen_at
    from wifi_clients
    where mac is not null
    group by mac

),

current_leases_checked as (

    -- A wifi client that left keeps its bound lease until it expires, so for a MAC known from the wifi
    -- tables a lease only proves presence when the client's last DHCP contact came after its last
    -- wifi sighting (it moved to a cable); otherwise the wifi tables decide.
    select
        current_leases.* replace (
            current_leases.is_lease_online
            and (
                last_wifi_sightings.mac is null
                or current_leases.last_seen_at is null
                or current_leases.last_seen_at
                > last_wifi_sightings.last_wifi_seen_at + to_seconds({{ var('lease_renewal_slack_s') }})
            ) as is_lease_online
        )
    from current_leases
    left join last_wifi_sightings
        on current_leases.mac = last_wifi_sightings.mac

),

lease_presence as (

    -- a MAC with leases on several servers reports its online lease first, then any bound one
    select
        mac,
        lease_status,
        bool_or(is_lease_online) over (partition by mac) as is_online_dhcp
    from current_leases_checked
    qualify row_number() over (
        partition by mac
        order by is_lease_online desc, lease_status = 'bound' desc, observed_at desc, device_id, dhcp_server
    ) = 1

),

wifi_presence as (

    -- a client heard by several APs at once is placed at the one hearing it loudest
    select
        mac,
        device_id as current_ap,
        interface_name as current_ap_interface,
        ssid as current_ssid,
        signal_dbm as current_signal_dbm
    from current_wifi_clients
    qualify row_number() over (
        partition by mac
        order by signal_dbm desc nulls last, observed_at desc, device_id, interface_name
    ) = 1

),

final as (

    select
        coalesce(lease_presence.mac, wifi_presence.mac) as mac,
        lease_presence.lease_status,
        coalesce(lease_presence.is_online_dhcp, false) as is_online_dhcp,
        wifi_presence.mac is not null as is_online_wifi,
        coalesce(lease_presence.is_online_dhcp, false) or wifi_presence.mac is not null as is_online,
        wifi_presence.current_ap,
        wifi_presence.current_ap_interface,
        wifi_presence.current_ssid,
        wifi_presence.current_signal_dbm
    from lease_presence
    full outer join wifi_presence
        on lease_presence.mac = wifi_presence.mac

)

select * from final
