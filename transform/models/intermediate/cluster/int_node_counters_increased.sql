{#- Counter samples as increases since the previous scrape of the same series, with Prometheus's reset
    semantics: a counter that went down, or a node whose node_boot_time_seconds changed, restarted from
    zero, so the increase is the new value (never negative). -#}

with

samples as (

    select node, sample_name, labels_json, observed_at, value
    from {{ ref('stg_prometheus__samples') }}
    where metric_type = 'counter' or sample_name = 'node_vmstat_oom_kill'

),

boots as (

    select node, observed_at, value as boot_time_s
    from {{ ref('stg_prometheus__samples') }}
    where sample_name = 'node_boot_time_seconds'

),

ordered as (

    select
        samples.*,
        boots.boot_time_s,
        lag(samples.value) over series as previous_value,
        lag(samples.observed_at) over series as previous_observed_at,
        lag(boots.boot_time_s) over series as previous_boot_time_s
    from samples
    left join boots on boots.node = samples.node and boots.observed_at = samples.observed_at
    window series as (partition by samples.node, samples.sample_name, samples.labels_json order by samples.observed_at)

),

increased as (

    select
        node,
        sample_name,
        labels_json,
        observed_at,
        previous_observed_at,
        value,
        previous_value is not null and (
            value < previous_value or abs(boot_time_s - previous_boot_time_s) > 1
        ) as is_reset,
        case
            when previous_value is null then null
            when value < previous_value or abs(boot_time_s - previous_boot_time_s) > 1 then value
            else value - previous_value
        end as increase
    from ordered

)

select * from increased
