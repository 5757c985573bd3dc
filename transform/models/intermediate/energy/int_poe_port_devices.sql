{#- Which device each PoE port powers: of the MACs the switch learned on the port (its newest host table),
    the one the device metadata names with a PoE device type (var('poe_device_types'): cameras, access
    points, ...), else a MikroTik router's own interface MAC (an access point running RouterOS), else none
    (the port's name still says what is there). An access point's port also learns its wifi clients'
    MACs; they are never the powered device. -#}
with

hosts as (

    select * from {{ ref('stg_swos__hosts') }}
    qualify observed_at = max(observed_at) over (partition by device_id)

),

device_metadata as (

    select * from {{ ref('stg_seeds__device_metadata') }}

),

router_macs as (

    select distinct mac, device_id as router
    from {{ ref('stg_mikrotik__interfaces') }}
    where mac is not null

),

candidates as (

    select
        hosts.device_id,
        hosts.port_number,
        hosts.mac,
        coalesce(device_metadata.name, router_macs.router) as powered_device,
        device_metadata.room,
        coalesce(lower(device_metadata.device_type), 'router') as device_type,
        case when device_metadata.mac is not null then 1 else 2 end as preference
    from hosts
    left join device_metadata
        on hosts.mac = device_metadata.mac
        and lower(device_metadata.device_type) in (
            {%- for t in var('poe_device_types') %}'{{ t | lower }}'{{ ", " if not loop.last }}{% endfor -%}
        )
    left join router_macs
        on hosts.mac = router_macs.mac
    where device_metadata.mac is not null or router_macs.mac is not null

)

select device_id, port_number, mac, powered_device, room, device_type
from candidates
qualify row_number() over (partition by device_id, port_number order by preference, mac) = 1
