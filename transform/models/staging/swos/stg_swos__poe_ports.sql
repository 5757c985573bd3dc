with

source as (

    select * from {{ source('swos', 'poe') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- port and its measured draw
        port as port_number,
        lower(poe_state) as poe_state,
        poe_state = 'powered on' as is_powered,
        power_w,
        voltage_v,
        current_ma

    from source

)

select * from renamed
{{ dedupe_redeliveries(['port_number']) }}
