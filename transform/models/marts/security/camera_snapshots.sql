{#- One row per camera snapshot (episode starts and scheduled pictures), marked when media retention deleted
    its file (the row stays). -#}
select
    snapshots.device_id as camera,
    snapshots.channel,
    snapshots.trigger,
    snapshots.event_type,
    snapshots.target_type,
    snapshots.event_at,
    snapshots.taken_at,
    snapshots.snapshot_lag_ms,
    snapshots.from_frame_cache,
    snapshots.burst_index,
    snapshots.sha256,
    snapshots.bytes,
    snapshots.width,
    snapshots.height,
    snapshots.path,
    deletions.deleted_at as media_deleted_at,
    deletions.reason as media_deleted_reason,
    deletions.path is null as has_media
from {{ ref('stg_hikvision__snapshots') }} as snapshots
left join {{ ref('stg_hikvision__media_deletions') }} as deletions
    on snapshots.path = deletions.path
