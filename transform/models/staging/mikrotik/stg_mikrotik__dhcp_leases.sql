with

source as (

    select * from {{ source('mikrotik', 'dhcp_leases') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- lease
        lease_id,
        {{ normalize_mac('mac') }} as mac,
        -- the parser keeps only valid addresses (a static lease's pool name becomes null); the
        -- address the client holds right now comes first
        ip as lease_ip_address,
        active_ip as active_ip_address,
        coalesce(active_ip, ip) as ip_address,
        nullif(trim(hostname), '') as hostname,
        client_id,
        lower(trim(status)) as lease_status,
        server as dhcp_server,
        is_dynamic,
        is_blocked,
        is_disabled,
        last_seen_s,
        expires_after_s,
        -- when the router last heard from the client; null when it never did ("never")
        case
            when last_seen_s is not null then {{ seconds_before('observed_at', 'last_seen_s') }}
        end as last_seen_at,
        comment

    from source

)

select * from renamed
{{ dedupe_redeliveries(['lease_id', 'mac']) }}
