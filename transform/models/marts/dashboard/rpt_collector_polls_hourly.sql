{#- Polls per collector target and UTC hour, ok and failed: the Health page's chart sums this small
    table over any range instead of reading every poll. -#}
with

polls as (

    select * from {{ ref('stg_homelake__collector_health') }}

),

hourly as (

    select
        source_family,
        target,
        {{ utc_hour_start('started_at') }} as hour_start_at,
        count(*) as poll_count,
        count(*) filter (where is_ok) as ok_poll_count,
        count(*) filter (where not is_ok) as failed_poll_count,
        sum(row_count) as row_count,
        avg(duration_s) as avg_duration_s
    from polls
    group by source_family, target, hour_start_at

),

final as (

    select
        source_family,
        target,
        hour_start_at,
        {{ to_site_local('hour_start_at') }} as hour_start_local,
        poll_count,
        ok_poll_count,
        failed_poll_count,
        row_count,
        avg_duration_s
    from hourly

)

select * from final
