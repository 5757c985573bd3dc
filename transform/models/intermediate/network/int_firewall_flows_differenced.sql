{#- The firewall's connection table, poll after poll, as flows with byte deltas and a direction.

    A flow is its protocol and original 4-tuple on one router, from the poll that first saw it (`flow_started_at`,
    the start marker): a tuple missing from the router's previous connection poll, or one whose counter went down,
    is a new connection (RouterOS reuses tuples). Each row's deltas are what the flow moved since the previous poll;
    a new flow's delta is its whole counter, so nothing is negative and nothing is counted twice.

    Direction from the LAN networks (int_lan_networks): LAN source to an outside destination is outbound; an
    outside source to a LAN host (after dst-nat: the reply's source) inbound; both on the LAN internal; neither
    (the router's own connections from its public address) other. -#}
with

connections as (

    select * from {{ ref('stg_mikrotik__firewall_connections') }}

),

lan as (

    select * from {{ ref('int_lan_networks') }}

),

polls as (

    select
        device_id,
        observed_at,
        lag(observed_at) over poll_order as previous_poll_at,
        lead(observed_at) over poll_order as next_poll_at
    from (select distinct device_id, observed_at from connections)
    window poll_order as (partition by device_id order by observed_at)

),

sequenced as (

    select
        connections.*,
        polls.previous_poll_at,
        polls.next_poll_at,
        lag(connections.observed_at) over flow_order as previous_seen_at,
        lead(connections.observed_at) over flow_order as next_seen_at,
        lag(connections.orig_bytes) over flow_order as previous_orig_bytes,
        lag(connections.repl_bytes) over flow_order as previous_repl_bytes
    from connections
    inner join polls using (device_id, observed_at)
    window flow_order as (
        partition by connections.device_id, connections.protocol, connections.src_address, connections.src_port,
            connections.dst_address, connections.dst_port
        order by connections.observed_at
    )

),

flagged as (

    select
        *,
        previous_seen_at is null or previous_seen_at is distinct from previous_poll_at as is_gap,
        coalesce(orig_bytes < previous_orig_bytes or repl_bytes < previous_repl_bytes, false) as is_reset
    from sequenced

),

differenced as (

    select
        *,
        is_gap or is_reset as is_new_flow,
        case
            when is_gap or orig_bytes < previous_orig_bytes then coalesce(orig_bytes, 0)
            else coalesce(orig_bytes - previous_orig_bytes, 0)
        end as orig_bytes_delta,
        case
            when is_gap or repl_bytes < previous_repl_bytes then coalesce(repl_bytes, 0)
            else coalesce(repl_bytes - previous_repl_bytes, 0)
        end as repl_bytes_delta,
        -- the flow is gone at the router's next poll: what it moved after this one is not seen
        next_poll_at is not null and next_seen_at is distinct from next_poll_at as is_last_seen,
        {{ ip_hex('src_address') }} as src_hex,
        coalesce(case when is_dstnat then reply_src_address end, dst_address) as dst_host_address
    from flagged

),

marked as (

    select
        *,
        max(case when is_new_flow then observed_at end) over (
            partition by device_id, protocol, src_address, src_port, dst_address, dst_port
            order by observed_at rows between unbounded preceding and current row
        ) as flow_started_at,
        {{ ip_hex('dst_host_address') }} as dst_host_hex
    from differenced

),

sided as (

    select
        *,
        exists (
            select 1 from lan
            where lan.is_ipv6 = contains(marked.src_address, ':')
                and (lan.host_bits >= 128
                    or {{ ip_number('marked.src_hex') }} >> lan.host_bits = lan.network_number >> lan.host_bits)
        ) as is_src_lan,
        exists (
            select 1 from lan
            where lan.is_ipv6 = contains(marked.dst_host_address, ':')
                and (lan.host_bits >= 128
                    or {{ ip_number('marked.dst_host_hex') }} >> lan.host_bits = lan.network_number >> lan.host_bits)
        ) as is_dst_lan
    from marked

),

final as (

    select
        -- the poll
        device_id,
        observed_at,
        previous_poll_at,
        next_poll_at,

        -- the flow
        md5(concat_ws('|', device_id, protocol, src_address, src_port, dst_address, dst_port, flow_started_at))
            as flow_id,
        flow_started_at,
        protocol,
        src_address,
        src_port,
        dst_address,
        dst_port,
        reply_src_address,
        tcp_state,
        is_assured,
        is_seen_reply,
        is_srcnat,
        is_dstnat,
        is_new_flow,
        is_reset,
        is_last_seen,

        -- direction and the two sides
        case
            when is_src_lan and is_dst_lan then 'internal'
            when is_src_lan then 'outbound'
            when is_dst_lan then 'inbound'
            else 'other'
        end as direction,
        case
            when is_src_lan then src_address
            when is_dst_lan then dst_host_address
        end as lan_address,
        case
            when is_src_lan and is_dst_lan then null
            when is_src_lan then dst_address
            when is_dst_lan then src_address
        end as external_address,

        -- bytes since the previous poll, as the LAN device sent and received them
        orig_bytes_delta,
        repl_bytes_delta,
        case when is_dst_lan and not is_src_lan then repl_bytes_delta else orig_bytes_delta end as bytes_sent,
        case when is_dst_lan and not is_src_lan then orig_bytes_delta else repl_bytes_delta end as bytes_received,
        orig_bytes,
        repl_bytes

    from sided

)

select * from final
