{#- Every reading of a cumulative energy counter, per metered channel, over both transports (HTTP polls
    and MQTT), placed in time by order_at: the device's clock where it is trustworthy, the collector's
    otherwise (time_source; docs/adr/0013-device-time.md).

    A queue the broker delivers hours late arrives at one receipt time, so only the device's clock says
    when each reading was measured. It is trusted for a reading when the device's clock agreed with the
    collector's (within var('device_clock_skew_s')) at a clock check received before it and again at one
    received after it, and the reading's device time lies between them. A clock check is a reading whose
    device time is within the skew of its receipt, received among nothing late from the same device (so
    the tail of a late queue, or the first fresh readings after it, never set the clock's offset). The
    device time is then corrected by the device's offset at the earlier check: at a check itself it is the
    receipt time, so live readings keep the collector's clock, and a late one lands where the collector's
    clock would have placed it. A clock reset to 1970, a year off, or wrong since the last check fails
    the test and falls back to received_at.

    `counter` is `import` for the energy_wh counter and `export` for an energy meter's returned_energy_wh
    (energy_wh then holds that counter's reading), so both go through the same reset-safe differencing. -#}
{#- A table, not a view: every energy model and test reads it, and the staging dedupe under it is the
    costliest step of the build. -#}
{{ config(materialized='table') }}

{%- set skew_s = var('device_clock_skew_s') %}

with

switch_readings as (

    select * from {{ ref('stg_shelly__switch_readings') }}

),

clock_offsets as (

    select
        *,
        epoch(device_ts) - epoch(received_at) as clock_offset_s,
        -- the oldest device time the device delivered within the skew before (and with) this receipt
        min(device_ts) over (
            partition by device_id
            order by received_at
            range between to_seconds({{ skew_s }}) preceding and current row
        ) as recent_oldest_device_ts
    from switch_readings

),

clock_checks as (

    select
        *,
        coalesce(
            abs(clock_offset_s) <= {{ skew_s }}
            and epoch(received_at) - epoch(recent_oldest_device_ts) <= 2 * {{ skew_s }},
            false
        ) as is_clock_check
    from clock_offsets

),

bracketed as (

    -- the device's clock checks on either side of each reading, in receipt order
    select
        *,
        last_value(case when is_clock_check then device_ts end ignore nulls) over checks_before
            as check_before_device_ts,
        last_value(case when is_clock_check then clock_offset_s end ignore nulls) over checks_before
            as check_before_offset_s,
        first_value(case when is_clock_check then device_ts end ignore nulls) over checks_after
            as check_after_device_ts
    from clock_checks
    window
        checks_before as (
            partition by device_id order by received_at, device_ts
            rows between unbounded preceding and current row
        ),
        checks_after as (
            partition by device_id order by received_at, device_ts
            rows between current row and unbounded following
        )

),

timed as (

    select
        *,
        coalesce(
            device_ts >= check_before_device_ts - to_seconds({{ skew_s }})
            and device_ts <= check_after_device_ts + to_seconds({{ skew_s }})
            and {{ seconds_before('device_ts', 'check_before_offset_s') }}
                <= received_at + to_seconds({{ skew_s }}),
            false
        ) as is_device_time
    from bracketed

),

placed as (

    select
        device_id,
        channel,
        case
            when is_device_time then {{ seconds_before('device_ts', 'check_before_offset_s') }}
            else received_at
        end as order_at,
        case when is_device_time then 'device' else 'collector' end as time_source,
        observed_at,
        received_at,
        device_ts,
        energy_wh,
        returned_energy_wh,
        uptime_s,
        transport,
        component,
        generation
    from timed
    where channel is not null

),

final as (

    -- one row per counter reading: `import` (energy_wh, what flowed to the load) and, on energy meters,
    -- `export` (returned_energy_wh, what flowed back); each counter is differenced on its own
    select
        device_id, channel, 'import' as counter, order_at, time_source, observed_at, received_at, device_ts,
        energy_wh, uptime_s, transport, component, generation
    from placed
    where energy_wh is not null
    union all
    select
        device_id, channel, 'export' as counter, order_at, time_source, observed_at, received_at, device_ts,
        returned_energy_wh as energy_wh, uptime_s, transport, component, generation
    from placed
    where returned_energy_wh is not null

)

select * from final
