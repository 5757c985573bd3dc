with

source as (

    select * from {{ source('zigbee', 'lock_events') }}
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

        -- lock
        upper(nullif(trim(state), '')) as state,
        lower(nullif(trim(lock_state), '')) as lock_state,
        -- transient: set only on the message that reports the action ("" is the reset right after)
        lower(nullif(trim(action), '')) as action,
        nullif(trim(action_source_name), '') as action_source_name,
        action_user,
        battery_pct,
        linkquality

    from source

)

select * from renamed
{{ dedupe_redeliveries([
    'state', 'lock_state', 'action', 'action_source_name', 'action_user', 'battery_pct', 'linkquality',
]) }}
