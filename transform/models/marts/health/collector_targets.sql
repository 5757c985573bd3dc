{#- One row per collector target (source family + target): is it failing, since when, its last error,
    and how many polls and failures it had. "Now" for the 24-hour counts is the newest poll in the
    lake (as_of_at), never the wall clock, so a build over the same lake always gives the same answer. -#}
with

polls as (

    select * from {{ ref('stg_homelake__collector_health') }}

),

as_of as (

    select max(started_at) as as_of_at from polls

),

targets as (

    select
        source_family,
        target,
        min(started_at) as first_poll_at,
        max(started_at) as last_poll_at,
        max(started_at) filter (where is_ok) as last_success_at,
        max(started_at) filter (where not is_ok) as last_failure_at,
        -- receipt order breaks a tie between two polls that began at the same moment
        arg_max(is_ok, (started_at, received_at)) as is_last_poll_ok,
        arg_max(error_class, (started_at, received_at)) filter (where not is_ok) as last_error_class,
        arg_max(error_message, (started_at, received_at)) filter (where not is_ok) as last_error_message,
        arg_max(duration_s, (started_at, received_at)) as last_duration_s,
        arg_max(row_count, (started_at, received_at)) as last_row_count,
        count(*) as poll_count,
        count(*) filter (where not is_ok) as failure_count
    from polls
    group by source_family, target

),

recent as (

    -- the current streak: every poll after the last one with the other outcome
    select
        targets.source_family,
        targets.target,
        min(polls.started_at) filter (
            where polls.started_at > case
                when targets.is_last_poll_ok then targets.last_failure_at else targets.last_success_at
            end
        ) as streak_started_at,
        count(*) filter (where polls.started_at > as_of.as_of_at - interval 24 hour) as poll_count_24h,
        count(*) filter (
            where polls.started_at > as_of.as_of_at - interval 24 hour and not polls.is_ok
        ) as failure_count_24h
    from targets
    cross join as_of
    inner join polls
        on targets.source_family = polls.source_family
        and targets.target = polls.target
    group by targets.source_family, targets.target

),

final as (

    select
        targets.source_family,
        targets.target,
        not targets.is_last_poll_ok as is_failing,
        -- a target that never had the other outcome has been in this state since its first poll
        coalesce(recent.streak_started_at, targets.first_poll_at) as status_since_at,
        targets.first_poll_at,
        targets.last_poll_at,
        targets.last_success_at,
        targets.last_failure_at,
        targets.last_error_class,
        targets.last_error_message,
        targets.last_duration_s,
        targets.last_row_count,
        targets.poll_count,
        targets.failure_count,
        recent.poll_count_24h,
        recent.failure_count_24h,
        as_of.as_of_at
    from targets
    inner join recent
        on targets.source_family = recent.source_family
        and targets.target = recent.target
    cross join as_of

)

select * from final
