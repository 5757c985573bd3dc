{#- Each energy interval's share of every UTC hour it overlaps, proportional to the time it spends in the
    hour (the load is assumed steady within an interval). An interval that lasts no time at all (two
    readings received at the same instant) falls wholly in the hour of its end. An interval longer than
    var('energy_max_reading_gap_s') is a gap the counter bridged: its energy is right in total, but no
    reading says how it was spread, so its time does not count as covered by readings. -#}
with

intervals as (

    select
        *,
        epoch_us(start_at) as start_us,
        epoch_us(end_at) as end_us
    from {{ ref('int_energy_intervals') }}

),

hour_spans as (

    select
        *,
        end_us - start_us as duration_us,
        -- the hours the interval covers: [start, end) for a real interval, end's hour for an instant
        floor(start_us / 3600000000)::bigint as first_hour_number,
        case
            when end_us > start_us then floor((end_us - 1) / 3600000000)::bigint
            else floor(end_us / 3600000000)::bigint
        end as last_hour_number
    from intervals

),

hours as (

    select
        *,
        unnest(range(first_hour_number, last_hour_number + 1)) as hour_number
    from hour_spans

),

shares as (

    select
        device_id,
        channel,
        counter,
        reading_number,
        hour_number,
        case
            when duration_us = 0 then 0
            else {{ hour_overlap_us('start_us', 'end_us', 'hour_number') }}
        end as overlap_us,
        duration_us,
        duration_us > {{ var('energy_max_reading_gap_s') }} * 1000000 as is_gap,
        energy_wh as interval_energy_wh
    from hours

),

final as (

    select
        device_id,
        channel,
        counter,
        reading_number,
        to_timestamp(hour_number * 3600) as hour_start_at,
        overlap_us / 1000000.0 as overlap_s,
        is_gap,
        case
            when duration_us = 0 then interval_energy_wh
            else interval_energy_wh * overlap_us / duration_us
        end as energy_wh
    from shares

)

select * from final
