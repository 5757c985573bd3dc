{#- Per node and mountpoint: free space now, its trend over the last 7 days of scrapes (least squares), and
    when it runs out at that trend (null when the free space is not shrinking). -#}

with

disk as (

    select node, json_extract_string(labels_json, '$.mountpoint') as mountpoint, observed_at, value as free_bytes
    from {{ ref('stg_prometheus__samples') }}
    where sample_name = 'node_filesystem_avail_bytes'

),

latest as (

    select node, mountpoint, max(observed_at) as as_of
    from disk
    group by all

),

fitted as (

    select
        disk.node,
        disk.mountpoint,
        latest.as_of,
        arg_max(disk.free_bytes, disk.observed_at) as free_bytes,
        regr_slope(disk.free_bytes, epoch(disk.observed_at)) as slope_bytes_per_s,
        count(*) as scrapes
    from disk
    join latest using (node, mountpoint)
    where disk.observed_at > latest.as_of - interval 7 days
    group by all

)

select
    node,
    mountpoint,
    as_of,
    free_bytes,
    slope_bytes_per_s * 86400 as trend_bytes_per_day,
    case when slope_bytes_per_s < 0 then free_bytes / -slope_bytes_per_s / 86400 end as days_until_full,
    case when slope_bytes_per_s < 0 then as_of + to_seconds(free_bytes / -slope_bytes_per_s) end as full_at,
    scrapes
from fitted
