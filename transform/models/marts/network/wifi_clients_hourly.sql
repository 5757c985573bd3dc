{#- Per access point (router device_id) and UTC hour: how many distinct clients, how loud, from how
    many registration-table rows. The site-local hour is derived with var('site_timezone'). -#}
with

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}

),

hourly as (

    select
        device_id,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        count(distinct mac) as distinct_client_count,
        avg(signal_dbm) as avg_signal_dbm,
        min(signal_dbm) as min_signal_dbm,
        max(signal_dbm) as max_signal_dbm,
        count(distinct observed_at) as poll_count,
        count(*) as sample_count
    from wifi_clients
    group by device_id, hour_start_at

),

final as (

    select
        device_id,
        hour_start_at,
        {{ to_site_local('hour_start_at') }} as hour_start_local,
        hour({{ to_site_local('hour_start_at') }}) as hour_of_day_local,
        distinct_client_count,
        avg_signal_dbm,
        min_signal_dbm,
        max_signal_dbm,
        poll_count,
        sample_count
    from hourly

)

select * from final
