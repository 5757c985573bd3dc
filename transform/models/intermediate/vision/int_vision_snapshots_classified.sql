{#- Every snapshot the cloud was asked about, one row per image: the camera's own classification (its snapshot
    row) beside the outcome of the one analysis and the cloud's labels. -#}
with

camera_snapshots as (

    -- the camera's own call for each picture (target_type of the episode it was taken for)
    select
        sha256,
        device_id as camera,
        channel,
        taken_at,
        target_type as camera_class,
        event_type as camera_event_type
    from {{ ref('stg_hikvision__snapshots') }}
    qualify row_number() over (partition by sha256 order by taken_at, received_at) = 1

),

outcomes as (

    -- one outcome per image: a success wins over a parse failure, a dead letter, a budget skip, a retry
    select
        sha256,
        camera,
        taken_at,
        provider,
        provider_kind,
        model,
        status,
        attempted_at as analysed_at,
        latency_ms,
        cost_usd,
        error_class,
        error_message
    from {{ ref('stg_vision__requests') }}
    qualify row_number() over (
        partition by sha256
        order by case status when 'ok' then 0 when 'parse_error' then 1 when 'dead' then 2
                 when 'skipped_budget' then 3 else 4 end, attempted_at desc
    ) = 1

),

attempts as (

    select sha256, count(*) as attempts, sum(cost_usd) as cost_usd
    from {{ ref('stg_vision__requests') }}
    where status <> 'skipped_budget'
    group by sha256

),

labels as (

    select
        sha256,
        count(*) filter (where label = 'person' and has_bbox) as people,
        count(*) filter (where label in ('car', 'truck', 'motorcycle') and has_bbox) as vehicles,
        count(*) filter (where label = 'person') > 0 as cloud_saw_person,
        count(*) filter (where label in ('car', 'truck', 'motorcycle')) > 0 as cloud_saw_vehicle,
        string_agg(distinct label, ',' order by label) filter (where label <> 'other') as cloud_labels,
        string_agg(distinct provider_label, ',' order by provider_label) as provider_labels,
        max(confidence) filter (where label <> 'other') as top_confidence
    from {{ ref('stg_vision__detections') }}
    group by sha256

)

select
    outcomes.sha256,
    coalesce(camera_snapshots.camera, outcomes.camera) as camera,
    camera_snapshots.channel,
    coalesce(camera_snapshots.taken_at, outcomes.taken_at) as taken_at,
    camera_snapshots.camera_class,
    camera_snapshots.camera_event_type,
    case outcomes.status when 'ok' then 'analysed' when 'parse_error' then 'parse_failed' when 'dead' then 'failed'
        when 'skipped_budget' then 'skipped_budget' else 'pending' end as analysis_status,
    outcomes.provider,
    outcomes.provider_kind,
    outcomes.model,
    outcomes.analysed_at,
    outcomes.latency_ms,
    coalesce(attempts.attempts, 0) as attempts,
    coalesce(attempts.cost_usd, 0) as cost_usd,
    case when outcomes.status = 'ok' then coalesce(labels.people, 0) end as people,
    case when outcomes.status = 'ok' then coalesce(labels.vehicles, 0) end as vehicles,
    case when outcomes.status = 'ok' then coalesce(labels.cloud_saw_person, false) end as cloud_saw_person,
    case when outcomes.status = 'ok' then coalesce(labels.cloud_saw_vehicle, false) end as cloud_saw_vehicle,
    labels.cloud_labels,
    labels.provider_labels,
    labels.top_confidence,
    case when outcomes.status in ('dead', 'parse_error') then outcomes.error_message end as failure_reason
from outcomes
left join camera_snapshots using (sha256)
left join attempts using (sha256)
left join labels using (sha256)
