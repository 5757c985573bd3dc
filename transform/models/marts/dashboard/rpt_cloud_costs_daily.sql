{#- The cloud-labels page's cost table: billed calls, cost and failures per provider and site-local day. -#}
select
    day_local,
    provider,
    provider_kind,
    billed_calls,
    cost_usd,
    throttled + server_errors + timeouts as failed_attempts,
    dead_letters,
    parse_failures,
    skipped_budget,
    avg_latency_ms
from {{ ref('vision_costs_daily') }}
