{#- One row per reboot seen: node_boot_time_seconds changed between two scrapes of the node. -#}

with

boots as (

    select
        node,
        value as boot_time_s,
        min(observed_at) as first_scrape_at,
        max(observed_at) as last_scrape_at
    from {{ ref('stg_prometheus__samples') }}
    where sample_name = 'node_boot_time_seconds'
    group by all

),

ordered as (

    select
        *,
        lag(boot_time_s) over (partition by node order by boot_time_s) as previous_boot_time_s,
        lag(last_scrape_at) over (partition by node order by boot_time_s) as last_scrape_before_at
    from boots

),

reboots as (

    select
        node,
        to_timestamp(boot_time_s) as booted_at,
        to_timestamp(previous_boot_time_s) as previous_booted_at,
        last_scrape_before_at,
        first_scrape_at as first_scrape_after_at
    from ordered
    where previous_boot_time_s is not null and boot_time_s - previous_boot_time_s > 1

)

select * from reboots
