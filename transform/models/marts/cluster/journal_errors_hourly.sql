{#- Journal lines of priority warning (4) or worse per node, unit (else identifier) and priority per UTC hour. -#}

select
    node,
    {{ utc_hour_start('logged_at') }} as hour_start_at,
    {{ to_site_local(utc_hour_start('logged_at')) }} as hour_start_local,
    coalesce(unit, identifier) as source,
    priority,
    count(*) as entries,
    arg_max(message, logged_at) as last_message
from {{ ref('stg_journald__entries') }}
where priority <= 4
group by all
