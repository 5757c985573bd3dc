-- The public addresses each router's WAN DHCP client held: one row per period with one address, from the first
-- poll that saw it bound to the last, and when the next address was first seen. Polls while the client was not
-- bound (the link down, the ISP's server silent) separate nothing: the same address before and after an outage
-- is one period, a new one starts a new period.
with

bound as (

    select device_id, interface_name, observed_at, address, gateway
    from {{ ref('stg_mikrotik__dhcp_client') }}
    where is_bound and address is not null

),

changes as (

    select
        *,
        coalesce(address <> lag(address) over client, true) as is_new
    from bound
    window client as (partition by device_id, interface_name order by observed_at)

),

periods as (

    select
        *,
        sum(case when is_new then 1 else 0 end) over (
            partition by device_id, interface_name order by observed_at rows unbounded preceding
        ) as period
    from changes

),

final as (

    select
        device_id,
        interface_name,
        address as public_ip,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        lead(min(observed_at)) over (partition by device_id, interface_name order by min(observed_at))
            as replaced_at,
        arg_max(gateway, observed_at) as gateway,
        count(*) as polls
    from periods
    group by device_id, interface_name, period, address

)

select
    *,
    replaced_at is null as is_current
from final
