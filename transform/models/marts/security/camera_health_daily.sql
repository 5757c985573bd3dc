{#- Per camera and site-local day: stream connects, stalls and reconnects with uptime (the stream's connected
    time from its health rows, or the time covered by regular heartbeats when that is more: backfilled
    history has heartbeats but no stream sessions), heartbeats and the gaps between them longer than var('hikvision_heartbeat_gap_s'),
    storage errors seen by the polls, and real video-loss alarms. -#}
with

days as (

    select distinct
        device_id as camera,
        cast(timezone('{{ var("site_timezone") }}', observed_at) as date) as day_local
    from {{ ref('stg_hikvision__alerts') }}

),

streams as (

    select
        split_part(target, '/', 1) as camera,
        cast(timezone('{{ var("site_timezone") }}', started_at) as date) as day_local,
        count(*) filter (where error_message = 'connected') as connects,
        count(*) filter (where error_class = 'StreamStalled') as stalls,
        sum(duration_s) filter (where error_message != 'connected') as connected_s
    from {{ ref('stg_homelake__collector_health') }}
    where source_family = 'hikvision' and target like '%/alertStream'
    group by all

),

beats as (

    select
        device_id as camera,
        observed_at,
        observed_at - lag(observed_at) over (partition by device_id order by observed_at) as gap
    from {{ ref('stg_hikvision__alerts') }}
    where is_heartbeat

),

heartbeats as (

    select
        camera,
        cast(timezone('{{ var("site_timezone") }}', observed_at) as date) as day_local,
        count(*) as heartbeats,
        count(*) filter (where gap > to_seconds({{ var('hikvision_heartbeat_gap_s', 90) }})) as heartbeat_gaps,
        max(epoch(gap)) as longest_heartbeat_gap_s,
        -- time covered by regular heartbeats (each gap no longer than the limit counts, on the day it ends)
        sum(epoch(gap)) filter (where gap <= to_seconds({{ var('hikvision_heartbeat_gap_s', 90) }}))
            as heartbeat_covered_s
    from beats
    group by all

),

disks as (

    select
        device_id as camera,
        cast(timezone('{{ var("site_timezone") }}', observed_at) as date) as day_local,
        count(*) filter (where is_error) as storage_error_polls
    from {{ ref('stg_hikvision__storage') }}
    group by all

),

alarms as (

    select
        camera,
        cast(timezone('{{ var("site_timezone") }}', started_at) as date) as day_local,
        count(*) as video_loss_alarms
    from {{ ref('camera_episodes') }}
    where is_alarm
    group by all

)

select
    days.camera,
    days.day_local,
    coalesce(streams.connects, 0) as connects,
    greatest(coalesce(streams.connects, 0) - 1, 0) as reconnects,
    coalesce(streams.stalls, 0) as stalls,
    -- a connected stream or regular heartbeats (backfilled history has no stream sessions, only heartbeats)
    round(least(100, 100 * greatest(coalesce(streams.connected_s, 0), coalesce(heartbeats.heartbeat_covered_s, 0))
        / 86400), 2) as stream_uptime_pct,
    case
        when coalesce(streams.connected_s, 0) >= coalesce(heartbeats.heartbeat_covered_s, 0)
            and streams.connected_s is not null then 'stream'
        when heartbeats.heartbeat_covered_s is not null then 'heartbeats'
    end as uptime_source,
    coalesce(heartbeats.heartbeats, 0) as heartbeats,
    coalesce(heartbeats.heartbeat_gaps, 0) as heartbeat_gaps,
    heartbeats.longest_heartbeat_gap_s,
    coalesce(disks.storage_error_polls, 0) as storage_error_polls,
    coalesce(alarms.video_loss_alarms, 0) as video_loss_alarms
from days
left join streams using (camera, day_local)
left join heartbeats using (camera, day_local)
left join disks using (camera, day_local)
left join alarms using (camera, day_local)
