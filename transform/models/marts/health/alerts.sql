{#- Every alert homelake opened, from its events (homelake/alert_events, landed after each transform's
    evaluation): one row per alert (key and opening time), with when it opened and closed (null while open), how
    often it reminded, and the newest message. Alerts are evaluated after a build, so this mart shows them as of
    the previous transform. -#}
with

events as (

    select * from {{ ref('stg_homelake__alert_events') }}

),

final as (

    select
        alert_key,
        opened_at,
        any_value(rule) as rule,
        arg_max(title, evaluated_at) as title,
        arg_max(message, evaluated_at) as message,
        min(since_at) as since_at,
        max(closed_at) as closed_at,
        count(*) filter (where event = 'reminded') as reminders,
        max(evaluated_at) as last_event_at,
        max(closed_at) is null as is_open
    from events
    group by alert_key, opened_at

)

select * from final
