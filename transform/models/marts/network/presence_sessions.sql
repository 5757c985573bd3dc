{#- One row per stay of a device on the network: consecutive sightings (bound lease heard from, or wifi
    registration) no more than var('presence_gap_s') apart. A phone's stays are when its owner was home:
    arrived_at is the first sighting, left_at the last one; a stay whose last sighting is within the gap of
    the lake's newest sighting (`as_of_at`, never the wall clock) is ongoing. -#}
with

sightings as (

    -- one row per instant: a lease and a wifi row seen at once must not tie in the windows below
    select distinct mac, sighting_at from {{ ref('int_device_sightings') }}

),

device_metadata as (

    select * from {{ ref('stg_seeds__device_metadata') }}

),

gaps as (

    select
        mac,
        sighting_at,
        coalesce(
            sighting_at - lag(sighting_at) over (partition by mac order by sighting_at)
                > to_seconds({{ var('presence_gap_s') }}),
            true
        ) as is_arrival
    from sightings

),

numbered as (

    select
        *,
        sum(case when is_arrival then 1 else 0 end) over (
            partition by mac order by sighting_at rows between unbounded preceding and current row
        ) as stay_number
    from gaps

),

stays as (

    select
        mac,
        stay_number,
        min(sighting_at) as arrived_at,
        max(sighting_at) as left_at,
        count(*) as sighting_count
    from numbered
    group by mac, stay_number

),

as_of as (

    select max(sighting_at) as as_of_at from sightings

),

final as (

    select
        stays.mac,
        coalesce(device_metadata.name, stays.mac) as device_name,
        device_metadata.owner,
        device_metadata.device_type,
        device_metadata.mac is not null as is_known,
        stays.arrived_at,
        stays.left_at,
        stays.sighting_count,
        stays.stay_number = 1 as is_first_stay,
        stays.left_at >= as_of.as_of_at - to_seconds({{ var('presence_gap_s') }}) as is_ongoing,
        as_of.as_of_at
    from stays
    cross join as_of
    left join device_metadata
        on stays.mac = device_metadata.mac

)

select * from final
