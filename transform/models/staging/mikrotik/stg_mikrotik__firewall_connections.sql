with

source as (

    select * from {{ source('mikrotik', 'firewall_connections') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the flow: protocol and 4-tuple as the LAN side started it
        lower(protocol) as protocol,
        src_ip as src_address,
        src_port,
        dst_ip as dst_address,
        dst_port,
        reply_src_ip as reply_src_address,
        reply_dst_ip as reply_dst_address,
        lower(tcp_state) as tcp_state,
        orig_bytes,
        repl_bytes,
        orig_packets,
        repl_packets,
        is_assured,
        is_seen_reply,
        is_srcnat,
        is_dstnat,
        timeout_s

    from source

)

select * from renamed
{{ dedupe_redeliveries(['protocol', 'src_address', 'src_port', 'dst_address', 'dst_port']) }}
