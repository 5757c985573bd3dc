{#- One row per device: every MAC ever seen in a lease or a wifi registration table, plus every device
    listed in device_metadata. Status columns describe the newest poll ("as of" the newest lease/wifi
    row in the lake, not the wall clock). -#}
with

device_metadata as (

    select * from {{ ref('stg_seeds__device_metadata') }}

),

leases as (

    select * from {{ ref('stg_mikrotik__dhcp_leases') }}

),

sightings as (

    select * from {{ ref('int_device_sightings') }}

),

presence as (

    select * from {{ ref('int_device_presence') }}

),

answering as (

    -- devices we poll or that publish (Shellies, cameras): did they answer within their cadence?
    select
        mac,
        bool_or(not is_failing) as is_answering
    from {{ ref('device_expectations') }}
    where mac is not null
    group by mac

),

devices as (

    select mac from device_metadata where mac is not null
    union
    select mac from leases where mac is not null
    union
    select mac from sightings

),

latest_addresses as (

    -- the newest lease observation that carried an address, whatever its status
    select
        mac,
        ip_address as current_ip
    from leases
    where mac is not null
        and ip_address is not null
    qualify row_number() over (
        partition by mac
        order by observed_at desc, lease_status = 'bound' desc, device_id, dhcp_server
    ) = 1

),

latest_hostnames as (

    -- the newest hostname the client sent; a lease that is not bound usually carries none
    select
        mac,
        hostname as current_hostname
    from leases
    where mac is not null
        and hostname is not null
    qualify row_number() over (
        partition by mac
        order by observed_at desc, lease_status = 'bound' desc, device_id, dhcp_server
    ) = 1

),

sighting_ranges as (

    select
        mac,
        min(sighting_at) as first_seen_at,
        max(sighting_at) as last_seen_at
    from sightings
    group by mac

),

as_of as (

    -- sightings hold every wifi row, so this is the newest lease or wifi observation
    select max(observed_at) as as_of_at
    from (
        select observed_at from leases
        union all
        select observed_at from sightings
    )

),

final as (

    select
        devices.mac,
        device_metadata.name,
        device_metadata.owner,
        device_metadata.room,
        device_metadata.location,
        device_metadata.device_type,
        device_metadata.vendor,
        device_metadata.model,
        device_metadata.notes,
        coalesce(device_metadata.name, latest_hostnames.current_hostname, devices.mac) as display_name,
        latest_addresses.current_ip,
        latest_hostnames.current_hostname,
        sighting_ranges.first_seen_at,
        sighting_ranges.last_seen_at,
        -- a bound lease is not enough for a device that should answer: it must also have answered
        coalesce(presence.is_online, false) and coalesce(answering.is_answering, true) as is_online,
        answering.is_answering,
        device_metadata.mac is not null as is_known,
        presence.current_ap,
        presence.current_ssid,
        presence.lease_status,
        as_of.as_of_at
    from devices
    left join device_metadata
        on devices.mac = device_metadata.mac
    left join latest_addresses
        on devices.mac = latest_addresses.mac
    left join latest_hostnames
        on devices.mac = latest_hostnames.mac
    left join sighting_ranges
        on devices.mac = sighting_ranges.mac
    left join presence
        on devices.mac = presence.mac
    left join answering
        on devices.mac = answering.mac
    cross join as_of

)

select * from final
