with

source as (

    select * from {{ source('swos', 'links') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- port
        port as port_number,
        nullif(trim(name), '') as port_name,
        is_up,
        speed_mbps

    from source

)

select * from renamed
{{ dedupe_redeliveries(['port_number']) }}
