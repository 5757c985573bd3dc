{#- One row per failure of a systemd unit ("<unit>: Failed with result ..."), with how often the unit failed
    in the 7 days up to it and the unit's last error lines (priority <= 3) in the 10 minutes before. -#}

with

entries as (

    select * from {{ ref('stg_journald__entries') }}

),

failures as (

    select node, unit, logged_at as failed_at, message as result_message
    from entries
    where unit is not null and identifier = 'systemd'
        and (message_id = 'd9b373ed55a64feb8242e02dbe79a49c' or message like '%: Failed with result %')

),

last_errors as (

    select
        failures.node,
        failures.unit,
        failures.failed_at,
        string_agg(entries.message, chr(10) order by entries.logged_at) as last_error_lines
    from failures
    join entries
        on entries.node = failures.node
        and entries.unit = failures.unit
        and entries.priority <= 3
        and entries.logged_at between failures.failed_at - interval 10 minutes and failures.failed_at
    group by all

)

select
    failures.node,
    failures.unit,
    failures.failed_at,
    failures.result_message,
    count(*) over (
        partition by failures.node, failures.unit order by failures.failed_at
        range between interval 7 days preceding and current row
    ) as failures_in_7_days,
    last_errors.last_error_lines
from failures
left join last_errors using (node, unit, failed_at)
