with

source as (

    select * from {{ source('homelake', 'collector_health') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- poll outcome
        source.source as source_family,
        target,
        started_at,
        duration_s,
        ok as is_ok,
        error_class,
        error_message,
        row_count

    from source

)

select * from renamed
{{ dedupe_redeliveries(['source_family', 'target', 'started_at']) }}
