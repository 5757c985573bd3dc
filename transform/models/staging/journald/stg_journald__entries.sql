with

source as (

    select * from {{ source('journald', 'entries') }}

),

renamed as (

    select
        -- origin (observed_at is the entry's own __REALTIME_TIMESTAMP)
        observed_at as logged_at,
        received_at,
        family,
        device_id as node,
        collector,

        -- the entry
        cursor,
        seqnum,
        seqnum_id,
        monotonic_us,
        boot_id,
        machine_id,
        hostname,
        transport,
        unit,
        identifier,
        pid,
        priority,
        message,
        message_bytes,
        is_message_truncated,
        message_id,
        invocation_id

    from source

)

select * from renamed
qualify row_number() over (partition by node, cursor order by received_at, collector) = 1
