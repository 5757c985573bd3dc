with

source as (

    select * from {{ source('mqtt', 'messages') }}

),

redeliveries as (

    select * from {{ mqtt_redeliveries() }}

),

renamed as (

    select
        -- origin
        source.observed_at,
        source.received_at,
        source.family,
        source.device_id,  -- the topic's first level
        source.collector,

        -- message
        source.topic,
        source.payload,
        octet_length(source.payload) as payload_bytes,
        source.qos,
        source.retain as is_retained,
        source.dup as is_dup,
        source.msg_key,
        source.parsed_ok as is_parsed_ok

    from source
    left join redeliveries
        on source.msg_key = redeliveries.msg_key
        and source.received_at = redeliveries.received_at
    where redeliveries.msg_key is null

)

select * from renamed
-- a retried batch write stores the same message twice: same content, same receipt
qualify row_number() over (
    partition by msg_key, received_at, topic
    order by collector, is_dup
) = 1
