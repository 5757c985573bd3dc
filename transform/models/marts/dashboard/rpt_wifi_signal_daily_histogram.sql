{#- How many registration-table samples fell in each 5 dB signal bucket, per access point and site-local
    day: the signal distribution over any range of days is a sum over this small table. -#}
with

wifi_clients as (

    select * from {{ ref('stg_mikrotik__wifi_clients') }}

),

final as (

    select
        cast({{ to_site_local('observed_at') }} as date) as local_date,
        device_id,
        cast(floor(signal_dbm / 5) * 5 as integer) as signal_bucket_dbm,
        count(*) as sample_count
    from wifi_clients
    where signal_dbm is not null
    group by local_date, device_id, signal_bucket_dbm

)

select * from final
