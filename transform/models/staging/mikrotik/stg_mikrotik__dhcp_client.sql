with

source as (

    select * from {{ source('mikrotik', 'dhcp_client') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the client
        interface as interface_name,
        status,
        status = 'bound' as is_bound,
        address,
        prefix_length,
        gateway,
        dhcp_server,
        primary_dns,
        expires_after_s,
        coalesce(is_disabled, false) as is_disabled

    from source

)

select * from renamed
{{ dedupe_redeliveries(['interface_name']) }}
