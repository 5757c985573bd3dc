with

source as (

    select * from {{ source('hikvision', 'snapshots') }}

)

select
    observed_at,
    received_at,
    family,
    device_id,
    collector,
    coalesce(channel, 1) as channel,
    trigger,
    lower(event_type) as event_type,
    lower(nullif(trim(target_type), '')) as target_type,
    event_at,
    taken_at,
    snapshot_lag_ms,
    sha256,
    bytes,
    width,
    height,
    path,
    coalesce(from_frame_cache, false) as from_frame_cache,
    case when trigger in ('episode_start', 'motion_sensor') then coalesce(burst_index, 0) end as burst_index
from source
-- the same picture written twice (a retried batch) is one row
qualify row_number() over (
    partition by device_id, channel, trigger, taken_at, sha256 order by received_at
) = 1
