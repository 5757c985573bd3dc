{#- One row per router: when its latest poll began, the lake-wide "now" and whether the router is still
    being polled. "Now" is the newest lease/wifi observation, never the wall clock, so a build over the
    same lake always gives the same answer. -#}
with

leases as (

    select device_id, observed_at from {{ ref('stg_mikrotik__dhcp_leases') }}

),

wifi_clients as (

    select device_id, observed_at from {{ ref('stg_mikrotik__wifi_clients') }}

),

interfaces as (

    select device_id, observed_at from {{ ref('stg_mikrotik__interfaces') }}

),

system as (

    select device_id, observed_at from {{ ref('stg_mikrotik__system') }}

),

collector_health as (

    select * from {{ ref('stg_homelake__collector_health') }}

),

client_observations as (

    select * from leases
    union all
    select * from wifi_clients

),

all_observations as (

    select * from client_observations
    union all
    select * from interfaces
    union all
    select * from system

),

as_of as (

    select max(observed_at) as as_of_at from client_observations

),

routers as (

    select
        device_id,
        max(observed_at) as latest_poll_at
    from all_observations
    group by device_id

),

poll_starts as (

    -- the poller writes one health row per poll, stamped with the moment the poll began; a poll that
    -- stored nothing (router unreachable) says nothing about who is there, and a poll whose rows are
    -- not in the lake yet cannot be looked at
    select
        routers.device_id,
        max(collector_health.started_at) as latest_poll_started_at
    from routers
    inner join collector_health
        on collector_health.target = routers.device_id
        and collector_health.source_family = 'mikrotik'
        and collector_health.row_count > 0
        and collector_health.started_at <= routers.latest_poll_at
    group by routers.device_id

),

final as (

    select
        routers.device_id,
        routers.latest_poll_at,
        poll_starts.latest_poll_started_at,
        -- rows observed from here on belong to the latest poll; without health rows (backfilled
        -- history) the latest poll is taken to be the rows within poll_window_s of the newest one
        coalesce(
            poll_starts.latest_poll_started_at,
            routers.latest_poll_at - to_seconds({{ var('poll_window_s') }})
        ) as latest_poll_from_at,
        as_of.as_of_at,
        coalesce(
            routers.latest_poll_at >= as_of.as_of_at - to_seconds({{ var('router_stale_after_s') }}),
            false
        ) as is_fresh
    from routers
    left join poll_starts
        on routers.device_id = poll_starts.device_id
    cross join as_of

)

select * from final
