{#- One row per metered channel (device_id, channel) with its circuit and room: the circuits seed row
    for the channel (matched by device id, else by the device's MAC), else the room of the whole device
    from device_metadata with the circuit named device_id:channel.

    `kind` says what the channel measures: `circuit` (a room's circuit: the only kind room sums count),
    or what an energy meter's clamp sits on, `generator` (a generator's line into the inverter) or
    `inverter_output` (the inverter's whole AC output, which every circuit is part of) as the seed's
    `kind` column says; an energy meter's channel the seed does not name (device_metadata device_type
    `energy_meter`) is `energy_meter`. Neither may count again in a room. -#}
with

observations as (

    select * from {{ ref('int_energy_counter_observations') }}

),

devices as (

    select * from {{ ref('int_shelly_devices_identified') }}

),

circuits as (

    select * from {{ ref('stg_seeds__circuits') }}

),

channels as (

    select distinct
        device_id,
        channel
    from observations

),

circuit_matches as (

    -- a row naming the device id beats one naming only its MAC
    select
        channels.device_id,
        channels.channel,
        circuits.circuit,
        circuits.room,
        circuits.load_name,
        circuits.kind
    from channels
    left join devices
        on channels.device_id = devices.device_id
    inner join circuits
        on channels.channel = circuits.channel
        and (lower(channels.device_id) = lower(circuits.device_id) or devices.mac = circuits.mac)
    qualify row_number() over (
        partition by channels.device_id, channels.channel
        order by lower(channels.device_id) = lower(circuits.device_id) desc nulls last, circuits.circuit
    ) = 1

),

final as (

    select
        channels.device_id,
        channels.channel,
        coalesce(circuit_matches.circuit, channels.device_id || ':' || channels.channel) as circuit,
        -- a circuit row without a room still falls back to the device's room
        coalesce(circuit_matches.room, devices.room) as room,
        circuit_matches.load_name,
        coalesce(
            circuit_matches.kind,
            case when devices.device_type = 'energy_meter' then 'energy_meter' end,
            'circuit'
        ) as kind,
        case
            when circuit_matches.room is not null then 'circuits'
            when devices.room is not null then 'device_metadata'
        end as room_source,
        devices.mac
    from channels
    left join circuit_matches
        on channels.device_id = circuit_matches.device_id
        and channels.channel = circuit_matches.channel
    left join devices
        on channels.device_id = devices.device_id

)

select * from final
