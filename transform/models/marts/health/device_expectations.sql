{#- One row per device that should report: every collector target polled in the last N days (routers,
    switches, cameras, the inverter, nodes, weather, Shellies), every Shelly ever seen (until its
    device_metadata row says device_type `retired`), and every camera, inverter, node and sensor that
    sent data in the last N days. Its cadence is the 95th percentile of the gaps between its reports (the
    longest gap it usually leaves, so an event-driven sensor is not judged by its bursts) - for a Zigbee sensor,
    which reports on change (a motion sensor in an empty room says nothing for hours), the longest gap it left
    in the window; it is silent when
    nothing came for longer than `silent_after_cadences` cadences (and at least `silent_after_min_s`) before as_of_at (the newest report or
    poll in the lake, never the wall clock), and failing when silent or when its collector's last poll
    failed - except a battery Shelly (sensor readings, no switch readings), which sleeps between reports:
    its failed polls are expected, only its silence counts. -#}
{%- set window_days = var('expected_window_days') %}
with

polls as (

    select * from {{ ref('stg_homelake__collector_health') }}

),

targets as (

    select * from {{ ref('collector_targets') }}

),

shellies as (

    select * from {{ ref('int_shelly_devices_identified') }}

),

device_metadata as (

    select * from {{ ref('stg_seeds__device_metadata') }}

),

reports as (

    -- every sign of life: (family, device, kind, when it arrived)
    select 'shelly' as family, device_id, 'shelly' as kind, received_at as seen_at
    from {{ ref('stg_shelly__switch_readings') }}
    union all
    select 'shelly', device_id, 'shelly', received_at from {{ ref('stg_shelly__sensor_readings') }}
    union all
    select 'shelly', device_id, 'shelly', received_at from {{ ref('stg_shelly__device_status') }}
    union all
    select 'zigbee', device_id, 'sensor', received_at from {{ ref('stg_zigbee__sensor_readings') }}
    union all
    select 'hikvision', device_id, 'camera', received_at from {{ ref('stg_hikvision__status') }}
    union all
    select 'powmr', device_id, 'inverter', received_at from {{ ref('stg_powmr__status') }}
    union all
    select 'prometheus', node, 'node', received_at from {{ ref('stg_prometheus__samples') }}
    union all
    -- a successful poll is a report of the target itself (routers, switches, weather, ...)
    select source_family, target, 'poll target', started_at from polls where is_ok

),

as_of as (

    select greatest(
        (select max(seen_at) from reports),
        (select max(started_at) from polls)
    ) as as_of_at

),

report_times as (

    -- one time per device and second: a poll that writes many rows is one report
    select distinct
        family,
        device_id,
        date_trunc('second', seen_at) as seen_at
    from reports
    where device_id is not null

),

gaps as (

    select
        family,
        device_id,
        epoch(seen_at - lag(seen_at) over (partition by family, device_id order by seen_at)) as gap_s
    from report_times
    where seen_at >= (select as_of_at from as_of) - interval {{ window_days }} day

),

cadences as (

    select
        family,
        device_id,
        quantile_cont(gap_s, 0.95) as expected_every_s,
        max(gap_s) as longest_gap_s
    from gaps
    where gap_s > 0
    group by family, device_id

),

devices as (

    select
        family,
        device_id,
        -- the most specific kind a device reported as (a Shelly is a shelly, not a poll target)
        min(kind) filter (where kind <> 'poll target') as data_kind,
        max(seen_at) as last_seen_at
    from reports
    where device_id is not null
    group by family, device_id

),

candidates as (

    select family, device_id from devices
    union
    select source_family, target from targets

),

macs as (

    -- what a device's MAC is, where its data says: a Shelly's status or id, a camera's device info
    select 'shelly' as family, device_id, mac from shellies where mac is not null
    union all
    select 'hikvision', device_id, {{ normalize_mac('mac') }}
    from {{ ref('stg_hikvision__device_info') }}
    where mac is not null
    qualify row_number() over (partition by device_id order by received_at desc) = 1

),

sleepers as (

    -- battery Shellies (H&T, motion, door/window): they answer HTTP only while awake
    select distinct device_id from {{ ref('stg_shelly__sensor_readings') }}
    except
    select distinct device_id from {{ ref('stg_shelly__switch_readings') }}

),

retired as (

    select shellies.device_id
    from shellies
    inner join device_metadata
        on shellies.mac = device_metadata.mac
    where lower(device_metadata.device_type) = 'retired'

),

joined as (

    select
        candidates.family,
        candidates.device_id,
        macs.mac,
        coalesce(devices.data_kind, 'poll target') as kind,
        devices.last_seen_at,
        case
            when devices.data_kind = 'sensor' then cadences.longest_gap_s
            else cadences.expected_every_s
        end as expected_every_s,
        coalesce(targets.is_failing, false)
        and not (candidates.family = 'shelly' and candidates.device_id in (select device_id from sleepers))
            as is_poll_failing,
        targets.status_since_at,
        targets.last_poll_at,
        targets.last_error_class,
        targets.last_error_message
    from candidates
    left join devices
        on candidates.family = devices.family
        and candidates.device_id = devices.device_id
    left join cadences
        on candidates.family = cadences.family
        and candidates.device_id = cadences.device_id
    left join targets
        on candidates.family = targets.source_family
        and candidates.device_id = targets.target
    left join macs
        on candidates.family = macs.family
        and candidates.device_id = macs.device_id

),

expected as (

    -- Shellies stay expected once seen; everything else while it reported or was polled in the window
    select joined.*
    from joined
    cross join as_of
    where (
        joined.family = 'shelly'
        or greatest(joined.last_seen_at, joined.last_poll_at) >= as_of.as_of_at - interval {{ window_days }} day
    )
    and not (joined.family = 'shelly' and joined.device_id in (select device_id from retired))

),

judged as (

    select
        expected.*,
        as_of.as_of_at,
        expected.last_seen_at is null
        or epoch(as_of.as_of_at - expected.last_seen_at) > greatest(
            coalesce(expected.expected_every_s, {{ var('expected_every_default_s') }})
            * {{ var('silent_after_cadences') }},
            {{ var('silent_after_min_s') }}
        ) as is_silent
    from expected
    cross join as_of

),

final as (

    select
        family || '/' || device_id as device,
        family,
        device_id,
        mac,
        kind,
        coalesce(expected_every_s, {{ var('expected_every_default_s') }}) as expected_every_s,
        expected_every_s is null as is_cadence_assumed,
        last_seen_at,
        is_silent,
        is_poll_failing,
        is_poll_failing or is_silent as is_failing,
        case
            when is_poll_failing then status_since_at
            -- the first report that did not come
            when is_silent then coalesce(
                last_seen_at + to_seconds(coalesce(expected_every_s, {{ var('expected_every_default_s') }})),
                status_since_at
            )
        end as failing_since,
        case
            when is_poll_failing then coalesce(last_error_class || ': ', '') || coalesce(last_error_message, '')
            when is_silent and last_seen_at is null then 'never reported'
            when is_silent then 'no data since ' || strftime(last_seen_at at time zone 'UTC', '%Y-%m-%d %H:%M:%S')
                || ' UTC (expected every ' || cast(round(coalesce(expected_every_s, {{ var('expected_every_default_s') }})) as bigint) || ' s)'
        end as last_error,
        last_poll_at,
        as_of_at
    from judged

)

select * from final
