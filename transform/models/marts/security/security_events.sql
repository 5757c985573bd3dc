{#- One timeline: camera episodes, door lock events and motion starts, by time (UTC). -#}
with

cameras as (

    select
        started_at as event_at,
        ended_at,
        'camera' as kind,
        camera as device_id,
        channel,
        event_type || coalesce(' ' || target_type, '') as what,
        target_type,
        ended_by
    from {{ ref('camera_episodes') }}

),

doors as (

    select
        event_at,
        cast(null as timestamptz) as ended_at,
        'door' as kind,
        device_id,
        cast(null as bigint) as channel,
        action as what,
        cast(null as varchar) as target_type,
        cast(null as varchar) as ended_by
    from {{ ref('door_events') }}

),

motion as (

    select
        event_at,
        cast(null as timestamptz) as ended_at,
        'motion' as kind,
        device_id,
        cast(null as bigint) as channel,
        'motion' || coalesce(' in ' || room, '') as what,
        cast(null as varchar) as target_type,
        cast(null as varchar) as ended_by
    from {{ ref('motion_events') }}

)

select * from cameras
union all by name
select * from doors
union all by name
select * from motion
