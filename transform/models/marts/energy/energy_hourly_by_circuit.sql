{#- Energy per room circuit and UTC hour (int_energy_hourly_by_channel): every metered channel whose kind is
    `circuit`. An energy meter's channels (the generator's line, the inverter's output) are not circuits of a
    room, so they are not here, and no room sum built on this counts them again (energy_meter_hourly has them).
    `returned_energy_wh` is what flowed back through the circuit's meter (0 for a plain load). -#}
with

hourly as (

    select * from {{ ref('int_energy_hourly_by_channel') }}

),

final as (

    select * exclude (kind)
    from hourly
    where kind = 'circuit'

)

select * from final
