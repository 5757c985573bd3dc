with

source as (

    select * from {{ source('hikvision', 'status') }}

),

renamed as (

    select
        observed_at,
        received_at,
        family,
        device_id,
        collector,
        device_time,
        uptime_s,
        cpu_pct,
        memory_used_mb,
        memory_available_mb,
        -- a reboot: the uptime went down since the previous poll of the same device
        coalesce(uptime_s < lag(uptime_s) over (partition by device_id order by observed_at), false) as rebooted
    from source

)

select * from renamed
