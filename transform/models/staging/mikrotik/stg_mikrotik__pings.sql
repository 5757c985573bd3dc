with

source as (

    select * from {{ source('mikrotik', 'pings') }}

),

renamed as (

    select
        -- origin: every echo of one probe round shares the round's observed_at
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the echo
        host as target_address,
        seq,
        rtt_ms,
        rtt_ms is null as is_lost,
        sent,
        received,
        packet_loss_pct,
        avg_rtt_ms

    from source

)

select * from renamed
{{ dedupe_redeliveries(['target_address', 'seq']) }}
