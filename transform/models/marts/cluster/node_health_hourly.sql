{#- One row per node per UTC hour: CPU busy %, load, memory, root disk, temperature, network bytes, and the
    Raspberry Pi's throttling / under-voltage flags (from rpi_throttled and the kernel's journal lines). -#}

with

gauges as (

    select
        node,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        avg(value) filter (where sample_name = 'node_load1') as load1_avg,
        max(value) filter (where sample_name = 'node_load1') as load1_max,
        min(value) filter (where sample_name = 'node_memory_MemAvailable_bytes') as memory_available_min_bytes,
        max(value) filter (where sample_name = 'node_memory_MemTotal_bytes') as memory_total_bytes,
        min(value) filter (
            where sample_name = 'node_filesystem_avail_bytes' and json_extract_string(labels_json, '$.mountpoint') = '/'
        ) as root_disk_free_min_bytes,
        max(value) filter (where sample_name in ('node_hwmon_temp_celsius', 'node_thermal_zone_temp')) as temperature_max_c,
        coalesce(bool_or(value = 1) filter (
            where sample_name = 'rpi_throttled' and json_extract_string(labels_json, '$.bit') = '2'
        ), false) as is_throttled,
        coalesce(bool_or(value = 1) filter (
            where sample_name = 'rpi_throttled' and json_extract_string(labels_json, '$.bit') = '0'
        ), false) as is_under_voltage_seen,
        count(distinct observed_at) as scrapes
    from {{ ref('stg_prometheus__samples') }}
    group by all

),

counters as (

    select
        node,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        sum(increase) filter (
            where sample_name = 'node_cpu_seconds_total' and json_extract_string(labels_json, '$.mode') <> 'idle'
        ) as cpu_busy_s,
        sum(increase) filter (where sample_name = 'node_cpu_seconds_total') as cpu_total_s,
        sum(increase) filter (where sample_name = 'node_network_receive_bytes_total') as network_received_bytes,
        sum(increase) filter (where sample_name = 'node_network_transmit_bytes_total') as network_sent_bytes,
        sum(increase) filter (where sample_name = 'node_vmstat_oom_kill') as oom_kills_counted
    from {{ ref('int_node_counters_increased') }}
    group by all

),

under_voltage as (

    select node, {{ utc_hour_start('logged_at') }} as hour_start_at, count(*) as under_voltage_events
    from {{ ref('stg_journald__entries') }}
    where transport = 'kernel' and message like '%Undervoltage detected%'
    group by all

),

joined as (

    select
        gauges.node,
        gauges.hour_start_at,
        {{ to_site_local('gauges.hour_start_at') }} as hour_start_local,
        round(100 * counters.cpu_busy_s / nullif(counters.cpu_total_s, 0), 1) as cpu_busy_pct,
        gauges.load1_avg,
        gauges.load1_max,
        gauges.memory_available_min_bytes,
        gauges.memory_total_bytes,
        gauges.root_disk_free_min_bytes,
        gauges.temperature_max_c,
        counters.network_received_bytes,
        counters.network_sent_bytes,
        coalesce(counters.oom_kills_counted, 0) as oom_kills_counted,
        gauges.is_throttled,
        coalesce(under_voltage.under_voltage_events, 0) as under_voltage_events,
        gauges.is_under_voltage_seen or coalesce(under_voltage.under_voltage_events, 0) > 0 as had_under_voltage,
        gauges.scrapes
    from gauges
    left join counters using (node, hour_start_at)
    left join under_voltage using (node, hour_start_at)

)

select * from joined
