{#- Per wifi client (MAC), access point and UTC hour: signal strength statistics from the registration
    tables, so a device page can chart a year of signal without scanning the raw rows. -#}
with

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}

),

hourly as (

    select
        mac,
        device_id,
        {{ utc_hour_start('observed_at') }} as hour_start_at,
        avg(signal_dbm) as avg_signal_dbm,
        min(signal_dbm) as min_signal_dbm,
        max(signal_dbm) as max_signal_dbm,
        count(*) as sample_count
    from wifi_clients
    where mac is not null
    group by mac, device_id, hour_start_at

),

final as (

    select
        mac,
        device_id,
        hour_start_at,
        {{ to_site_local('hour_start_at') }} as hour_start_local,
        avg_signal_dbm,
        min_signal_dbm,
        max_signal_dbm,
        sample_count
    from hourly

)

select * from final
