with

source as (

    select * from {{ source('powmr', 'status') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- what the inverter is doing
        protocol,
        register_map,
        ac_input,
        mode,
        mode_code,
        charger_state,
        flags,
        fault_code,
        faults,
        out_of_range,

        -- power (W), battery positive charging
        pv_voltage_v,
        pv_current_a,
        pv_power_w,
        battery_voltage_v,
        battery_current_a,
        battery_power_w,
        battery_soc_pct,
        grid_voltage_v as ac_input_voltage_v,
        grid_current_a as ac_input_current_a,
        grid_frequency_hz as ac_input_frequency_hz,
        grid_power_w as ac_input_power_w,
        load_power_w,
        load_va,
        load_current_a,
        load_percent,
        inverter_voltage_v,
        inverter_current_a,
        inverter_frequency_hz,
        bus_voltage_v,
        temperature_1_c,
        temperature_2_c,
        temperature_3_c,
        pv_energy_today_kwh,
        load_energy_today_kwh

    from source

)

select * from renamed
{{ dedupe_redeliveries([]) }}
