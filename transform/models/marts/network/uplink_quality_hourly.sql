-- The internet connection's quality per router, probe target and UTC hour, from the router's own pings:
-- round trips (median, 95th percentile, mean), jitter (the mean absolute difference between consecutive
-- answered echoes, RFC 3550's idea without its smoothing) and loss. Echoes lost during an outage count as
-- lost: the outage itself is in uplink_outages.
with

echoes as (

    select
        device_id,
        target_address,
        observed_at,
        seq,
        rtt_ms,
        is_lost,
        {{ utc_hour_start('observed_at') }} as hour_start
    from {{ ref('stg_mikrotik__pings') }}

),

answered as (

    select
        *,
        abs(rtt_ms - lag(rtt_ms) over (
            partition by device_id, target_address, hour_start order by observed_at, seq
        )) as rtt_change_ms
    from echoes
    where not is_lost

),

sent as (

    select
        device_id,
        target_address,
        hour_start,
        count(distinct observed_at) as probe_rounds,
        count(*) as echoes_sent,
        count(*) filter (where is_lost) as echoes_lost
    from echoes
    group by all

),

timing as (

    select
        device_id,
        target_address,
        hour_start,
        quantile_cont(rtt_ms, 0.5) as rtt_p50_ms,
        quantile_cont(rtt_ms, 0.95) as rtt_p95_ms,
        avg(rtt_ms) as rtt_avg_ms,
        avg(rtt_change_ms) as jitter_ms
    from answered
    group by all

),

final as (

    select
        sent.device_id,
        sent.target_address,
        sent.hour_start,
        cast({{ to_site_local('sent.hour_start') }} as date) as local_date,
        sent.probe_rounds,
        sent.echoes_sent,
        sent.echoes_lost,
        round(100.0 * sent.echoes_lost / sent.echoes_sent, 3) as loss_pct,
        timing.rtt_p50_ms,
        timing.rtt_p95_ms,
        timing.rtt_avg_ms,
        timing.jitter_ms
    from sent
    left join timing using (device_id, target_address, hour_start)

)

select * from final
