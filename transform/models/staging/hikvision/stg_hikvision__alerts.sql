with

source as (

    select * from {{ source('hikvision', 'alerts') }}

),

renamed as (

    select
        -- origin (observed_at = the camera's own time of the part, UTC)
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the part
        lower(event_type) as event_type,
        lower(nullif(trim(event_state), '')) as event_state,
        coalesce(channel, 1) as channel,
        active_post_count,
        lower(nullif(trim(target_type), '')) as target_type,
        description,
        ip,
        mac,
        is_heartbeat,
        content_type

    from source

)

select * from renamed
-- one row per part: backfill or stream rows and relayed MQTT copies (at-least-once) are the same part
{{ dedupe_redeliveries(['channel', 'event_type', 'event_state', 'target_type', 'active_post_count']) }}
