{#- One row per camera detection episode from the alertStream parts (heartbeats excluded): active parts of one
    (camera, channel, event type, target class) are one episode while they keep coming; it ends at the
    camera's `inactive` part (ended_by = inactive) or when re-posts stop for longer than
    var('hikvision_stale_s') (ended_by = stale; ended_at = the last active part). The snapshot taken for
    the episode's start (hikvision/snapshots, trigger episode_start), when there is one. -#}
with

parts as (

    select * from {{ ref('stg_hikvision__alerts') }}
    where not is_heartbeat

),

keyed as (

    select
        *,
        coalesce(target_type, '') as target_key,
        lag(observed_at) over by_key as previous_at,
        lag(event_state) over by_key as previous_state
    from parts
    window by_key as (
        partition by device_id, channel, event_type, coalesce(target_type, '')
        order by observed_at, active_post_count
    )

),

numbered as (

    select
        *,
        sum(
            case
                when event_state = 'active'
                    and (
                        previous_at is null
                        or previous_state = 'inactive'
                        or observed_at - previous_at > to_seconds({{ var('hikvision_stale_s', 5) }})
                    )
                    then 1
                else 0
            end
        ) over (
            partition by device_id, channel, event_type, target_key
            order by observed_at, active_post_count
            rows between unbounded preceding and current row
        ) as episode_number
    from keyed

),

episodes as (

    select
        device_id as camera,
        channel,
        event_type,
        target_type,
        episode_number,
        min(observed_at) filter (where event_state = 'active') as started_at,
        max(observed_at) filter (where event_state = 'active') as last_active_at,
        min(observed_at) filter (where event_state = 'inactive') as inactive_at,
        count(*) filter (where event_state = 'active') as active_parts,
        any_value(description) as description
    from numbered
    -- an inactive part with no episode open before it (or too late after it) ends nothing
    where episode_number > 0
    group by all

),

final as (

    select
        camera,
        channel,
        event_type,
        target_type,
        coalesce(target_type, event_type) as detection_class,
        started_at,
        case
            when inactive_at is not null
                and inactive_at - last_active_at <= to_seconds({{ var('hikvision_stale_s', 5) }})
                then inactive_at
            else last_active_at
        end as ended_at,
        last_active_at,
        case
            when inactive_at is not null
                and inactive_at - last_active_at <= to_seconds({{ var('hikvision_stale_s', 5) }})
                then 'inactive'
            else 'stale'
        end as ended_by,
        active_parts,
        event_type = 'videoloss' as is_alarm,
        description
    from episodes
    where started_at is not null

),

snapshots as (

    -- the picture taken for an episode's start (the closest one when several were)
    select
        camera,
        channel,
        event_at,
        path as snapshot_path,
        snapshot_lag_ms,
        taken_at as snapshot_taken_at,
        has_media as snapshot_has_media
    from {{ ref('camera_snapshots') }}
    where trigger = 'episode_start'

)

select
    final.*,
    snapshots.snapshot_path,
    snapshots.snapshot_lag_ms,
    snapshots.snapshot_taken_at,
    snapshots.snapshot_has_media
from final
left join snapshots
    on final.camera = snapshots.camera
    and final.channel = snapshots.channel
    and snapshots.event_at between final.started_at - interval 1 second and final.started_at + interval 1 second
qualify row_number() over (
    partition by final.camera, final.channel, final.event_type, final.detection_class, final.started_at
    order by abs(epoch(snapshots.event_at) - epoch(final.started_at)), snapshots.snapshot_taken_at
) = 1
