{#- Energy per energy-meter channel and UTC hour: the channels whose kind is not `circuit` (a Shelly EM's clamp
    on the generator's line, on the inverter's output, ...), each with the energy that flowed through it
    (`energy_wh`, the import counter) and back (`returned_energy_wh`, the export counter), both differenced
    reset-safe like every counter, and how much of the hour readings cover. Never part of a room's sum. -#}
with

hourly as (

    select * from {{ ref('int_energy_hourly_by_channel') }}

),

final as (

    select
        hour_start_at,
        hour_start_local,
        local_date,
        device_id,
        channel,
        circuit,
        kind,
        energy_wh,
        returned_energy_wh,
        energy_wh - returned_energy_wh as net_energy_wh,
        avg_power_w,
        covered_s,
        coverage,
        is_bridged,
        observation_count
    from hourly
    where kind <> 'circuit'

)

select * from final
