{#- Activity while nobody is home: a human detected by a camera, or the front door opened (unlocked), at a
    time no resident's phone was on the wifi: no stay of int_resident_presence, widened by var('presence_grace_s')
    on both sides (the resident arriving or leaving themselves), covers it. Only times
    within the wifi history count: before the first or after the last wifi poll nobody knows who was home. -#}
with

presence as (

    select * from {{ ref('int_resident_presence') }}

),

known as (

    select min(observed_at) as first_poll_at, max(observed_at) as last_poll_at
    from {{ ref('stg_mikrotik__wifi_clients') }}

),

activity as (

    select
        started_at as event_at,
        'camera' as kind,
        camera as device_id,
        channel,
        event_type || ' ' || target_type as what,
        snapshot_path
    from {{ ref('camera_episodes') }}
    where target_type = 'human'

    union all

    select
        event_at,
        'door' as kind,
        device_id,
        cast(null as bigint) as channel,
        action as what,
        cast(null as varchar) as snapshot_path
    from {{ ref('door_events') }}
    where action like '%unlock%' or action = 'open'

),

away as (

    select activity.*
    from activity
    cross join known
    where activity.event_at between known.first_poll_at and known.last_poll_at
        and not exists (
            -- wifi sees a phone only at its polls: a resident unlocks the door (and walks past the cameras)
            -- a little before their phone's first sighting, and after its last one when leaving
            select 1 from presence
            where activity.event_at between presence.arrived_at - to_seconds({{ var('presence_grace_s', 600) }})
                and presence.left_at + to_seconds({{ var('presence_grace_s', 600) }})
        )

),

last_departures as (

    -- who left last before the activity, and when
    select
        away.event_at,
        away.kind,
        away.device_id,
        max(presence.left_at) as everyone_left_at
    from away
    left join presence on presence.left_at < away.event_at
    group by all

)

select
    away.event_at,
    away.kind,
    away.device_id,
    away.channel,
    away.what,
    away.snapshot_path,
    last_departures.everyone_left_at
from away
left join last_departures
    on away.event_at = last_departures.event_at
    and away.kind = last_departures.kind
    and away.device_id = last_departures.device_id
