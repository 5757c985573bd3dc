with

source as (

    select * from {{ source('powmr', 'energy') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the interval between two polls
        period_start as interval_start_at,
        period_end as interval_end_at,
        duration_s,
        is_gap,
        ac_input,

        -- energy of each flow over it (Wh); null across a gap
        pv_wh,
        load_wh,
        battery_charge_wh,
        battery_discharge_wh,
        ac_input_wh

    from source

)

select * from renamed
{{ dedupe_redeliveries([]) }}
