-- Each inverter as its newest poll saw it: the "now" figures (PV, load and battery power, state of charge, the
-- AC input) with `observed_at`, so a page can say how old they are.
with

status as (

    select * from {{ ref('stg_powmr__status') }}
    qualify row_number() over (partition by device_id order by observed_at desc) = 1

),

final as (

    select
        device_id,
        observed_at,
        pv_power_w,
        load_power_w,
        battery_power_w,
        battery_soc_pct,
        ac_input,
        ac_input_power_w,
        mode,
        charger_state,
        faults
    from status

)

select * from final
