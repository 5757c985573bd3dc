{#- Bytes through each router interface per UTC hour, from the differences between consecutive polls
    of the cumulative counters. A difference is credited to the hour of the later poll; a counter that
    went down (router reboot, counter reset) gives no difference for that gap rather than a bogus one. -#}
with

interfaces as (

    select * from {{ ref('stg_mikrotik__interfaces') }}

),

deltas as (

    select
        device_id,
        interface_name,
        observed_at,
        rx_bytes - lag(rx_bytes) over poll_order as rx_delta_bytes,
        tx_bytes - lag(tx_bytes) over poll_order as tx_delta_bytes,
        epoch(observed_at - lag(observed_at) over poll_order) as gap_s
    from interfaces
    window poll_order as (partition by device_id, interface_name order by observed_at)

),

hourly as (

    select
        device_id,
        interface_name,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        sum(rx_delta_bytes) filter (where rx_delta_bytes >= 0) as rx_bytes,
        sum(tx_delta_bytes) filter (where tx_delta_bytes >= 0) as tx_bytes,
        sum(gap_s) filter (where rx_delta_bytes >= 0 and tx_delta_bytes >= 0) as covered_s,
        count(*) as sample_count
    from deltas
    where gap_s is not null
    group by device_id, interface_name, hour_start_at

),

final as (

    select
        device_id,
        interface_name,
        hour_start_at,
        {{ to_site_local('hour_start_at') }} as hour_start_local,
        rx_bytes,
        tx_bytes,
        rx_bytes * 8 / nullif(covered_s, 0) as avg_rx_bps,
        tx_bytes * 8 / nullif(covered_s, 0) as avg_tx_bps,
        covered_s,
        sample_count
    from hourly

)

select * from final
