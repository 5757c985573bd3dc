{#- IP address intervals per device, from bound lease observations in time order (gaps and islands):
    a new interval starts whenever the address differs from the previous observation, so A -> B -> A
    is three intervals. An interval lasts until the next one starts; the newest has valid_to null. -#}
with

leases as (

    select * from {{ ref('stg_mikrotik__dhcp_leases') }}

),

bound_observations as (

    select
        mac,
        ip_address as ip,
        hostname,
        observed_at,
        device_id,
        dhcp_server
    from leases
    where lease_status = 'bound'
        and mac is not null
        and ip_address is not null

),

changes_flagged as (

    select
        *,
        case
            when ip is distinct from lag(ip) over (
                partition by mac order by observed_at, device_id, dhcp_server
            ) then 1
            else 0
        end as is_new_interval
    from bound_observations

),

islands as (

    select
        *,
        sum(is_new_interval) over (
            partition by mac
            order by observed_at, device_id, dhcp_server
            rows between unbounded preceding and current row
        ) as interval_number
    from changes_flagged

),

intervals as (

    select
        mac,
        interval_number,
        any_value(ip) as ip,
        -- the newest hostname the client sent while holding the address
        arg_max(hostname, observed_at) filter (where hostname is not null) as hostname,
        min(observed_at) as valid_from,
        max(observed_at) as last_observed_at,
        count(*) as observation_count
    from islands
    group by mac, interval_number

),

final as (

    select
        mac,
        ip,
        hostname,
        valid_from,
        lead(valid_from) over (partition by mac order by valid_from) as valid_to,
        last_observed_at,
        observation_count
    from intervals

)

select * from final
