{#- One timeline: camera episodes (with their snapshot), door lock events, motion starts, and residents'
    arrivals and departures (their phones joining and leaving the wifi), by time (UTC). -#}
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
        ended_by,
        snapshot_path,
        snapshot_has_media,
        cast(null as varchar) as person
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

),

presence as (

    select * from {{ ref('int_resident_presence') }}

),

arrivals as (

    select
        arrived_at as event_at,
        cast(null as timestamptz) as ended_at,
        'arrival' as kind,
        mac as device_id,
        cast(null as bigint) as channel,
        person || ' arrived' as what,
        cast(null as varchar) as target_type,
        cast(null as varchar) as ended_by,
        person
    from presence
    where is_arrival

),

departures as (

    select
        left_at as event_at,
        cast(null as timestamptz) as ended_at,
        'departure' as kind,
        mac as device_id,
        cast(null as bigint) as channel,
        person || ' left' as what,
        cast(null as varchar) as target_type,
        cast(null as varchar) as ended_by,
        person
    from presence
    where is_departure

)

select * from cameras
union all by name
select * from arrivals
union all by name
select * from departures
union all by name
select * from doors
union all by name
select * from motion
