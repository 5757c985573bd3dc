with

source as (

    select * from {{ source('homelake', 'dead_letter') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- reject
        source_family,
        dataset,
        reason,
        payload,
        octet_length(payload) as payload_bytes,
        -- re-deliveries carry identical bytes; the hash makes them comparable without the blob
        md5(payload) as payload_md5

    from source

)

select * from renamed
{{ dedupe_redeliveries(['source_family', 'dataset', 'reason', 'payload_md5']) }}
