{#- One row per lock event from Zigbee2MQTT lock messages: every message that carries an `action`
    (transient: lock, unlock, manual_lock, auto_lock, ...), plus every change of `state` that no action
    explains (reported as action = lower(state), e.g. a lock turned by a key the lock does not report).
    A lock's first known state is not an event: nothing is known about what came before. -#}
with

lock_messages as (

    select * from {{ ref('stg_zigbee__lock_events') }}

),

ordered as (

    select
        *,
        row_number() over (partition by device_id order by received_at, observed_at) as message_number,
        count(action) over (
            partition by device_id
            order by received_at, observed_at
            rows between unbounded preceding and current row
        ) as actions_so_far
    from lock_messages

),

with_previous_state as (

    -- the previous message that reported a state, and how many actions had been seen by then
    select
        *,
        last_value(state ignore nulls) over preceding_messages as previous_state,
        last_value(case when state is not null then actions_so_far end ignore nulls)
            over preceding_messages as actions_at_previous_state
    from ordered
    window preceding_messages as (
        partition by device_id
        order by message_number
        rows between unbounded preceding and 1 preceding
    )

),

events as (

    select
        *,
        case
            when action is not null then 'action'
            when state is not null
                and previous_state is not null
                and state != previous_state
                -- an action reported between the two states already is this event
                and actions_so_far = actions_at_previous_state
                then 'state_change'
        end as event_source
    from with_previous_state

),

final as (

    select
        observed_at as event_at,
        device_id,
        coalesce(action, lower(state)) as action,
        state,
        lock_state,
        action_source_name as source_name,
        action_user as user_id,
        battery_pct,
        event_source
    from events
    where event_source is not null

)

select * from final
