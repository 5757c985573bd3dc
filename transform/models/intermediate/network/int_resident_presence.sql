{#- One row per stay of a resident's phone on the wifi: consecutive wifi sightings of the phone no more than
    var('presence_gap_s') apart are one stay, from its first sighting (arrived_at) to its last (left_at).
    A resident's phone is a device_metadata row of device_type 'phone' owned by a person (not 'household'
    or 'unknown'). A stay that touches the first or last wifi poll of the lake is open on that side: the
    phone may have been there before, or still is (is_arrival / is_departure false). -#}
with

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}
    where mac is not null

),

residents as (

    select mac, owner as person, name as device_name
    from {{ ref('stg_seeds__device_metadata') }}
    where device_type = 'phone'
        and owner is not null
        and lower(owner) not in ('household', 'unknown')

),

polls as (

    select min(observed_at) as first_poll_at, max(observed_at) as last_poll_at
    from wifi_clients

),

sightings as (

    select distinct residents.person, residents.mac, residents.device_name, wifi_clients.observed_at
    from wifi_clients
    inner join residents on wifi_clients.mac = residents.mac

),

gaps as (

    select
        *,
        case
            when lag(observed_at) over by_phone is null
                or observed_at - lag(observed_at) over by_phone > to_seconds({{ var('presence_gap_s', 1800) }})
                then 1
            else 0
        end as is_new_stay
    from sightings
    window by_phone as (partition by mac order by observed_at)

),

stays as (

    select
        person,
        mac,
        device_name,
        min(observed_at) as arrived_at,
        max(observed_at) as left_at,
        count(*) as sightings
    from (
        select *, sum(is_new_stay) over (partition by mac order by observed_at) as stay_number
        from gaps
    )
    group by person, mac, device_name, stay_number

)

select
    stays.*,
    stays.arrived_at - polls.first_poll_at > to_seconds({{ var('presence_gap_s', 1800) }}) as is_arrival,
    polls.last_poll_at - stays.left_at > to_seconds({{ var('presence_gap_s', 1800) }}) as is_departure
from stays
cross join polls
