with

source as (

    select * from {{ source('swos', 'hosts') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- a learned MAC and its port
        {{ normalize_mac('mac') }} as mac,
        port as port_number

    from source

)

select * from renamed
{{ dedupe_redeliveries(['mac']) }}
