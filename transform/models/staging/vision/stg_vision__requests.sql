with

source as (

    select * from {{ source('vision', 'requests') }}

),

renamed as (

    select
        observed_at as attempted_at,
        received_at,
        collector,
        sha256,
        camera,
        taken_at,
        provider,
        provider_kind,
        model,
        attempt,
        status,
        http_status,
        latency_ms,
        coalesce(cost_usd, 0) as cost_usd,
        error_class,
        error_message,
        detection_count,
        status in ('ok', 'parse_error') as is_billed
    from source
    -- a row offered twice (written, then re-offered after a crash before the outbox heard it was durable)
    qualify row_number() over (
        partition by sha256, provider, status, coalesce(attempt, -1), observed_at order by received_at
    ) = 1

)

select * from renamed
