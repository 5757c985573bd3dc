{#- Energy per room and site-local day, summed from the UTC hours that make up each local day (23 or
    25 of them when the clocks change). In a zone whose offset is not a whole number of hours, the UTC
    hour that straddles local midnight is shared between the two days in proportion to time.
    `coverage` is the share of the day's time, over every circuit of the room, that readings cover (a
    circuit with no reading that day covers none of it); a day below 99 % is not `is_complete`. -#}
with

hourly as (

    select * from {{ ref('energy_hourly_by_circuit') }}

),

hour_bounds as (

    -- the site-local day the hour starts on, and the wall clock where it ends
    select
        device_id,
        channel,
        circuit,
        room,
        hour_start_at,
        energy_wh,
        coverage * 3600 as measured_s,
        is_bridged,
        cast({{ to_site_local("hour_start_at") }} as date) as local_date,
        {{ to_site_local("hour_start_at + interval 1 hour") }} as hour_end_local
    from hourly

),

day_parts as (

    -- The hour belongs to the local day it starts on, except in zones whose offset is not a whole
    -- number of hours (India, Nepal, ...): there the part after local midnight goes to the next day.
    select
        *,
        case
            when cast(hour_end_local as date) > local_date
                and hour_end_local > date_trunc('day', hour_end_local)
                then epoch(hour_end_local - date_trunc('day', hour_end_local)) / 3600.0
            else 0.0
        end as next_day_fraction
    from hour_bounds

),

day_shares as (

    select
        local_date,
        room,
        circuit,
        hour_start_at,
        energy_wh * (1 - next_day_fraction) as energy_wh,
        measured_s * (1 - next_day_fraction) as measured_s,
        is_bridged
    from day_parts
    union all
    select
        cast(hour_end_local as date) as local_date,
        room,
        circuit,
        hour_start_at,
        energy_wh * next_day_fraction as energy_wh,
        measured_s * next_day_fraction as measured_s,
        is_bridged
    from day_parts
    where next_day_fraction > 0

),

room_circuits as (

    -- every circuit the room ever had a reading from: each one owes the day its whole length
    select
        room,
        count(distinct circuit) as room_circuit_count
    from hourly
    group by room

),

daily as (

    select
        local_date,
        room,
        sum(energy_wh) as energy_wh,
        sum(energy_wh) / 1000.0 as energy_kwh,
        count(distinct circuit) as circuit_count,
        count(distinct hour_start_at) as hour_count,
        min(hour_start_at) as first_hour_at,
        max(hour_start_at) as last_hour_at,
        sum(measured_s) as measured_s,
        bool_or(is_bridged) as is_bridged
    from day_shares
    group by local_date, room

),

final as (

    select
        daily.* exclude (measured_s),
        least(
            daily.measured_s / (
                room_circuits.room_circuit_count * date_diff(
                    'second',
                    timezone('{{ var("site_timezone") }}', cast(daily.local_date as timestamp)),
                    timezone('{{ var("site_timezone") }}', cast(daily.local_date + 1 as timestamp))
                )
            ),
            1.0
        ) as coverage
    from daily
    inner join room_circuits
        on daily.room is not distinct from room_circuits.room

)

select
    *,
    coverage >= 0.99 as is_complete
from final
