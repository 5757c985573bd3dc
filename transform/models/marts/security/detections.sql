{#- One row per snapshot sent to (or held back from) cloud vision: the camera's own classification and the
    cloud's labels side by side, with the analysis' status, provider, cost and latency. -#}
select
    sha256,
    camera,
    channel,
    taken_at,
    camera_class,
    camera_event_type,
    analysis_status,
    provider,
    provider_kind,
    model,
    analysed_at,
    latency_ms,
    attempts,
    cost_usd,
    people,
    vehicles,
    cloud_saw_person,
    cloud_saw_vehicle,
    cloud_labels,
    provider_labels,
    top_confidence,
    failure_reason,
    case
        when analysis_status <> 'analysed' or camera_class is null then null
        when camera_class = 'human' then cloud_saw_person
        when camera_class = 'vehicle' then cloud_saw_vehicle
    end as is_camera_confirmed
from {{ ref('int_vision_snapshots_classified') }}
