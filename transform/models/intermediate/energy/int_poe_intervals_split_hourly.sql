{#- The switch's PoE power readings as energy: each reading of a port's draw holds until the port's next
    reading (the interval between two polls), split over the UTC hours it overlaps in proportion to time.
    An interval longer than var('poe_max_reading_gap_s') is a gap: it keeps its time (for coverage) and
    carries no energy, so a collector outage never invents watts. -#}
with

readings as (

    select * from {{ ref('stg_swos__poe_ports') }}

),

intervals as (

    select
        device_id,
        port_number,
        observed_at as interval_start_at,
        lead(observed_at) over by_port as interval_end_at,
        coalesce(power_w, 0) as power_w
    from readings
    window by_port as (partition by device_id, port_number order by observed_at)

),

timed as (

    select
        *,
        epoch_us(interval_start_at) as start_us,
        epoch_us(interval_end_at) as end_us,
        epoch(interval_end_at - interval_start_at) as duration_s,
        epoch(interval_end_at - interval_start_at) > {{ var('poe_max_reading_gap_s') }} as is_gap
    from intervals
    where interval_end_at > interval_start_at

),

hours as (

    select
        *,
        {{ utc_hour_numbers('start_us', 'end_us') }} as hour_number
    from timed

),

final as (

    select
        device_id,
        port_number,
        interval_start_at,
        interval_end_at,
        to_timestamp(hour_number * 3600) as hour_start_at,
        is_gap,
        power_w,
        {{ hour_overlap_us('start_us', 'end_us', 'hour_number') }}
            / 1000000.0 as overlap_s
    from hours

)

select
    *,
    case when is_gap then 0.0 else power_w * overlap_s / 3600 end as energy_wh
from final
