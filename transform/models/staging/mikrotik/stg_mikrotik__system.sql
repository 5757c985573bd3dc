with

source as (

    select * from {{ source('mikrotik', 'system') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- identity and resources
        identity as router_identity,
        board_name,
        version as routeros_version,
        architecture,
        cpu,
        cpu_count,
        cpu_load_pct,
        free_memory_bytes,
        total_memory_bytes,
        free_hdd_bytes,
        total_hdd_bytes,
        uptime_s,
        build_time as built_at

    from source

)

select * from renamed
{{ dedupe_redeliveries([]) }}
