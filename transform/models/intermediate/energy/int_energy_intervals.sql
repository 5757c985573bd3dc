{#- Consecutive readings of one channel's energy counter -> intervals [start_at, end_at] with the energy
    used in between. The counter restarts from zero when the device boots, so the interval that spans a
    reboot holds the new counter value itself. Within a boot the running maximum of the counter is used,
    so readings of the same counter by HTTP and by MQTT never count twice, a stale reading never makes
    energy negative, and a late or stale reading of the other transport never looks like a reset. -#}
{#- A table, not a view: its windows are the heaviest part of the energy models, and the hourly split,
    the marts and the data tests all read it. -#}
{{ config(materialized='table') }}

{%- set persistent = "('" ~ var('energy_persistent_counter_components') | join("', '") ~ "')" %}

with

observations as (

    select * from {{ ref('int_energy_counter_observations') }}

),

ordered as (

    select
        *,
        -- ties (the same receipt time) put the lower reading first, so they never look like a drop
        row_number() over (
            partition by device_id, channel, counter order by order_at, energy_wh, transport, observed_at
        ) as reading_number
    from observations

),

evidence as (

    -- What each reading says about a reboot since an earlier reading:
    -- * its uptime is clearly below the last uptime reported before it (a reboot since that reading; a
    --   few seconds less is two transports sampling the same uptime moments apart, not a reboot), or
    -- * its counter is below the previous reading of the same transport (a reboot since that reading;
    --   Gen1 MQTT carries no uptime). Comparing within a transport keeps a late or stale reading of the
    --   other transport (a slow HTTP answer, a Gen2 status delta carrying the last known total) from
    --   looking like a reset.
    select
        *,
        uptime_s < last_value(uptime_s ignore nulls) over preceding_readings
            - {{ var('energy_uptime_tolerance_s') }}
            -- an energy meter keeps its totals across a reboot: only a drop of the counter resets it
            and not coalesce(component in {{ persistent }}, false) as is_uptime_drop,
        last_value(case when uptime_s is not null then reading_number end ignore nulls)
            over preceding_readings as uptime_reference_number,
        energy_wh < lag(energy_wh) over same_transport - {{ var('energy_reset_tolerance_wh') }}
            as is_counter_drop,
        lag(reading_number) over same_transport as counter_reference_number
    from ordered
    window
        preceding_readings as (
            partition by device_id, channel, counter
            order by reading_number
            rows between unbounded preceding and 1 preceding
        ),
        -- and of the same time source: readings placed by the collector's clock (a late Gen1 queue's bare
        -- `energy` values, all at one receipt) never compare with those placed by the device's
        same_transport as (
            partition by device_id, channel, counter, transport, time_source order by reading_number
        )

),

evidence_windows as (

    -- the reboot happened after this reading (the later reference, when both kinds of evidence exist)
    select
        *,
        coalesce(is_uptime_drop, false) or coalesce(is_counter_drop, false) as has_reboot_evidence,
        greatest(
            case when is_uptime_drop then uptime_reference_number end,
            case when is_counter_drop then counter_reference_number end
        ) as reboot_after_number
    from evidence

),

resets as (

    -- One reboot shows up as evidence on several readings (the first MQTT reading after it, the first
    -- HTTP reading with an uptime, ...): only the first evidence after the reference reading is a reset.
    select
        *,
        has_reboot_evidence
        and coalesce(
            max(case when has_reboot_evidence then reading_number end) over (
                partition by device_id, channel, counter
                order by reading_number
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) <= reboot_after_number as is_reset
    from evidence_windows

),

segments as (

    select
        *,
        sum(case when is_reset then 1 else 0 end) over (
            partition by device_id, channel, counter
            order by reading_number
            rows between unbounded preceding and current row
        ) as boot_number
    from resets

),

running as (

    select
        *,
        max(energy_wh) over (
            partition by device_id, channel, counter, boot_number
            order by reading_number
            rows between unbounded preceding and current row
        ) as counter_wh
    from segments

),

paired as (

    select
        *,
        lag(order_at) over by_reading as previous_order_at,
        lag(counter_wh) over by_reading as previous_counter_wh
    from running
    window by_reading as (partition by device_id, channel, counter order by reading_number)

),

final as (

    select
        device_id,
        channel,
        counter,
        reading_number,
        boot_number,
        -- after a reboot with a known uptime the counter only counted since the boot
        case
            when is_reset and uptime_s is not null
                then greatest(previous_order_at, {{ seconds_before('order_at', 'uptime_s') }})
            else previous_order_at
        end as start_at,
        order_at as end_at,
        case
            when is_reset then counter_wh
            else greatest(counter_wh - previous_counter_wh, 0)
        end as energy_wh,
        is_reset,
        counter_wh,
        energy_wh as reading_wh,
        uptime_s,
        transport,
        time_source  -- whose clock placed the closing reading: 'device' or 'collector'
    from paired
    where previous_order_at is not null

)

select * from final
