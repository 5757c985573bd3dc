-- Bytes over each router's WAN interface per local day, from its cumulative interface counters: the increase
-- between consecutive polls (a router reboot restarts the counters from zero: the increase is then the new
-- value, never negative), each poll interval's bytes split over the local days it spans in proportion to time.
with

edge_routers as (

    -- only routers that face the internet: they run uplink probes or hold a WAN DHCP lease (a switch's or an
    -- access point's ether1 is a LAN port)
    select distinct device_id from {{ ref('stg_mikrotik__pings') }}
    union
    select distinct device_id from {{ ref('stg_mikrotik__dhcp_client') }} where is_bound

),

wan as (

    select device_id, interface_name, observed_at, rx_bytes, tx_bytes
    from {{ ref('stg_mikrotik__interfaces') }}
    where device_id in (select device_id from edge_routers)
        and (
            interface_name in ({{ "'" ~ var('uplink_wan_interfaces', ['ether1']) | join("', '") ~ "'" }})
            or lower(comment) = 'wan'
        )

),

ordered as (

    select
        *,
        lag(observed_at) over counter as previous_at,
        lag(rx_bytes) over counter as previous_rx,
        lag(tx_bytes) over counter as previous_tx
    from wan
    window counter as (partition by device_id, interface_name order by observed_at)

),

intervals as (

    select
        device_id,
        interface_name,
        previous_at as started_at,
        observed_at as ended_at,
        rx_bytes < previous_rx or tx_bytes < previous_tx as is_reset,
        case when rx_bytes < previous_rx or tx_bytes < previous_tx then rx_bytes else rx_bytes - previous_rx end
            as rx_delta,
        case when rx_bytes < previous_rx or tx_bytes < previous_tx then tx_bytes else tx_bytes - previous_tx end
            as tx_delta
    from ordered
    where previous_at is not null

),

days as (

    -- every local day an interval touches, with the part of the interval that falls on it
    select
        intervals.*,
        day.local_date,
        greatest(intervals.started_at, timezone('{{ var("site_timezone") }}', day.local_date::timestamp))
            as part_start,
        least(intervals.ended_at, timezone('{{ var("site_timezone") }}', (day.local_date + 1)::timestamp))
            as part_end
    from intervals,
        lateral (
            select unnest(generate_series(
                cast({{ to_site_local('intervals.started_at') }} as date),
                cast({{ to_site_local('intervals.ended_at') }} as date),
                interval 1 day
            ))::date as local_date
        ) as day

),

final as (

    select
        device_id,
        interface_name,
        local_date,
        cast(round(sum(rx_delta * epoch(part_end - part_start) / epoch(ended_at - started_at))) as bigint)
            as rx_bytes,
        cast(round(sum(tx_delta * epoch(part_end - part_start) / epoch(ended_at - started_at))) as bigint)
            as tx_bytes,
        count(distinct ended_at) as polls,
        bool_or(is_reset) as has_counter_reset
    from days
    where part_end > part_start
    group by all

)

select * from final
