with

source as (

    select * from {{ source('zigbee', 'availability') }}
    -- rows parsed from a redelivered MQTT message are a second copy of rows already in the lake
    where not {{ is_mqtt_redelivery() }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,  -- the Zigbee2MQTT friendly name
        collector,

        -- availability
        is_online

    from source

)

select * from renamed
{{ dedupe_redeliveries(['is_online']) }}
