with

source as (

    select * from {{ source('shelly', 'switch_readings') }}
    -- rows parsed from a redelivered MQTT message are a second copy of rows already in the lake
    where not {{ is_mqtt_redelivery("lower(transport) = 'mqtt'") }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- which output
        generation,
        model,
        channel,
        component,
        lower(transport) as transport,

        -- state and meter
        output as is_output_on,
        power_w,
        voltage_v,
        current_a,
        pf as power_factor,
        freq_hz,
        reactive_power_var,  -- Gen1 EM
        apparent_power_va,  -- Gen2+ EM (em, em1)
        energy_wh,  -- cumulative since the device's last boot, in Wh for every generation
        returned_energy_wh,  -- exported energy (EM, Pro EM, Pro 3EM, Pro PM with ret_aenergy), cumulative Wh
        temperature_c as device_temperature_c,
        uptime_s,  -- only when the same payload carried it
        cover_state,
        cover_pos,
        errors

    from source

)

select * from renamed
{{ dedupe_redeliveries([
    'channel', 'component', 'transport', 'is_output_on', 'power_w', 'voltage_v', 'current_a',
    'power_factor', 'freq_hz', 'reactive_power_var', 'apparent_power_va', 'energy_wh', 'returned_energy_wh', 'device_temperature_c', 'uptime_s',
    'cover_state', 'cover_pos', 'errors',
]) }}
