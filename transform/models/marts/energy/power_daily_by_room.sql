{#- Energy per room and site-local day, summed from the UTC hours that make up each local day (23 or
    25 of them when the clocks change). In a zone whose offset is not a whole number of hours, the UTC
    hour that straddles local midnight is shared between the two days in proportion to time. -#}
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
        energy_wh * (1 - next_day_fraction) as energy_wh
    from day_parts
    union all
    select
        cast(hour_end_local as date) as local_date,
        room,
        circuit,
        hour_start_at,
        energy_wh * next_day_fraction as energy_wh
    from day_parts
    where next_day_fraction > 0

),

final as (

    select
        local_date,
        room,
        sum(energy_wh) as energy_wh,
        sum(energy_wh) / 1000.0 as energy_kwh,
        count(distinct circuit) as circuit_count,
        count(distinct hour_start_at) as hour_count,
        min(hour_start_at) as first_hour_at,
        max(hour_start_at) as last_hour_at
    from day_shares
    group by local_date, room

)

select * from final
