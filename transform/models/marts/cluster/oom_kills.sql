{#- One row per process the kernel's OOM killer killed, from the node's journal. -#}

select
    node,
    logged_at as killed_at,
    boot_id,
    cast(regexp_extract(message, 'Killed process (\d+)', 1) as bigint) as pid,
    regexp_extract(message, 'Killed process \d+ \(([^)]*)\)', 1) as process,
    message
from {{ ref('stg_journald__entries') }}
where transport = 'kernel' and message like 'Out of memory: Killed process%'
