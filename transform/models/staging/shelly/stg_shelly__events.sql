with

source as (

    select * from {{ source('shelly', 'events') }}
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

        -- event
        generation,
        channel,
        component,
        event as event_name,
        event_at,
        lower(transport) as transport

    from source

)

select * from renamed
{{ dedupe_redeliveries(['channel', 'component', 'transport', 'event_name', 'event_at']) }}
