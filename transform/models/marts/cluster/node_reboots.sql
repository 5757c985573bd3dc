{#- One row per reboot, seen in the metrics (node_boot_time_seconds changed between two scrapes), in the
    journal (a new _BOOT_ID), or in both. The journal dates a boot exactly from any of its entries:
    realtime minus monotonic time is the boot's start, whichever lines the node's filter kept. The two
    are one reboot when they are within two minutes of each other. The first boot of a node in the lake
    is no reboot (nothing came before it there). -#}

with

metric_boots as (

    select
        node,
        value as boot_time_s,
        min(observed_at) as first_scrape_at,
        max(observed_at) as last_scrape_at
    from {{ ref('stg_prometheus__samples') }}
    where sample_name = 'node_boot_time_seconds'
    group by all

),

metric_reboots as (

    select
        node,
        to_timestamp(boot_time_s) as booted_at,
        to_timestamp(previous_boot_time_s) as previous_booted_at,
        last_scrape_before_at,
        first_scrape_at as first_scrape_after_at
    from (
        select
            *,
            lag(boot_time_s) over (partition by node order by boot_time_s) as previous_boot_time_s,
            lag(last_scrape_at) over (partition by node order by boot_time_s) as last_scrape_before_at
        from metric_boots
    )
    where previous_boot_time_s is not null and boot_time_s - previous_boot_time_s > 1

),

journal_boots as (

    select
        node,
        boot_id,
        -- the newest entry's realtime minus its monotonic time: after an early-boot clock step, the right one
        arg_max(logged_at - to_microseconds(monotonic_us), logged_at) as booted_at,
        min(logged_at) as first_entry_at
    from {{ ref('stg_journald__entries') }}
    where boot_id is not null and monotonic_us is not null
    group by all

),

journal_reboots as (

    select *
    from (
        select
            *,
            lag(boot_id) over (partition by node order by first_entry_at) as previous_boot_id
        from journal_boots
    )
    where previous_boot_id is not null

),

matched as (

    select
        coalesce(metric_reboots.node, journal_reboots.node) as node,
        coalesce(metric_reboots.booted_at, journal_reboots.booted_at) as booted_at,
        journal_reboots.boot_id,
        journal_reboots.previous_boot_id,
        metric_reboots.previous_booted_at,
        metric_reboots.last_scrape_before_at,
        metric_reboots.first_scrape_after_at,
        journal_reboots.first_entry_at as first_journal_entry_at,
        metric_reboots.node is not null as is_seen_in_metrics,
        journal_reboots.node is not null as is_seen_in_journal
    from metric_reboots
    full outer join journal_reboots
        on metric_reboots.node = journal_reboots.node
        and abs(epoch(metric_reboots.booted_at) - epoch(journal_reboots.booted_at)) <= 120

)

select
    *,
    is_seen_in_metrics and is_seen_in_journal as is_confirmed
from matched
