{#- Cloud vision per provider and site-local day: billed calls, estimated cost, failures by kind, latency. -#}
select
    cast({{ to_site_local('attempted_at') }} as date) as day_local,
    provider,
    any_value(provider_kind) as provider_kind,
    count(*) filter (where status <> 'skipped_budget') as attempts,
    count(*) filter (where is_billed) as billed_calls,
    count(*) filter (where status = 'ok') as analyses,
    count(*) filter (where status = 'parse_error') as parse_failures,
    count(*) filter (where status = 'retry' and error_class = 'throttled') as throttled,
    count(*) filter (where status = 'retry' and error_class = 'server_error') as server_errors,
    count(*) filter (where status = 'retry' and error_class in ('timeout', 'connection')) as timeouts,
    count(*) filter (where status = 'dead') as dead_letters,
    count(*) filter (where status = 'skipped_budget') as skipped_budget,
    round(sum(cost_usd), 6) as cost_usd,
    round(avg(latency_ms) filter (where status = 'ok'), 1) as avg_latency_ms,
    round(quantile_cont(latency_ms, 0.95) filter (where status = 'ok'), 1) as p95_latency_ms
from {{ ref('stg_vision__requests') }}
group by all
