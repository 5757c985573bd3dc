-- Status changes of the routers' Netwatch entries: one row per period in which a watched host was up (or down),
-- from the router's own `since` (the transition time, to the second, however seldom we poll) to the next change
-- (null while it lasts). The first period seen has no previous status. A change between two polls that was
-- undone before the next one is not seen: Netwatch only reports its latest transition.
with

entries as (

    select * from {{ ref('stg_mikrotik__netwatch') }}
    where not is_disabled and since_at is not null and status in ('up', 'down')

),

periods as (

    select
        device_id,
        host,
        probe_type,
        status,
        since_at,
        arg_max(comment, observed_at) as comment,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as polls
    from entries
    group by device_id, host, probe_type, status, since_at

),

ordered as (

    select
        *,
        -- a reboot restarts `since` without a change: the same status again is the same period
        lag(status) over (partition by device_id, host, probe_type order by since_at) as previous_status
    from periods

),

changes as (

    select * from ordered
    where previous_status is null or previous_status <> status

),

final as (

    select
        device_id,
        host,
        probe_type,
        comment,
        status,
        previous_status,
        since_at as changed_at,
        lead(since_at) over (partition by device_id, host, probe_type order by since_at) as ended_at,
        date_diff('second', changed_at, ended_at) as duration_s,
        ended_at is null as is_current
    from changes

)

select * from final
