with

source as (

    select * from {{ source('mikrotik', 'netwatch') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the entry
        entry_id,
        host,
        coalesce(probe_type, 'simple') as probe_type,
        lower(status) as status,
        since_at,
        comment,
        coalesce(is_disabled, false) as is_disabled,
        interval_s,

        -- the last test (icmp)
        done_tests,
        failed_tests,
        loss_pct,
        rtt_avg_ms,
        rtt_min_ms,
        rtt_max_ms,
        rtt_jitter_ms,
        rtt_stdev_ms

    from source

)

select * from renamed
{{ dedupe_redeliveries(['entry_id', 'host', 'probe_type']) }}
