-- One row per probe round of a router: which targets answered, and whether its WAN link was up then.
-- The nearest target (lowest median round trip over the router's history: the ISP's gateway) tells a
-- gateway problem from an upstream one; the WAN link state comes from the newest interface poll at or
-- before the round.
with

echoes as (

    select * from {{ ref('stg_mikrotik__pings') }}

),

targets as (

    select
        device_id,
        target_address,
        row_number() over (
            partition by device_id order by median(rtt_ms) nulls last, target_address
        ) = 1 as is_nearest
    from echoes
    group by device_id, target_address

),

per_target as (

    select
        echoes.device_id,
        echoes.observed_at,
        echoes.target_address,
        targets.is_nearest,
        count(echoes.rtt_ms) > 0 as has_answered,
        avg(echoes.rtt_ms) as avg_rtt_ms
    from echoes
    inner join targets using (device_id, target_address)
    group by all

),

rounds as (

    select
        device_id,
        observed_at,
        count(*) as target_count,
        bool_or(has_answered and is_nearest) as is_gateway_answering,
        bool_or(has_answered and not is_nearest) as is_upstream_answering,
        count(*) filter (where not is_nearest) as upstream_target_count
    from per_target
    group by device_id, observed_at

),

wan as (

    select device_id, observed_at, is_running
    from {{ ref('stg_mikrotik__interfaces') }}
    where interface_name in ({{ "'" ~ var('uplink_wan_interfaces', ['ether1']) | join("', '") ~ "'" }})
        or lower(comment) = 'wan'

),

final as (

    select
        rounds.device_id,
        rounds.observed_at,
        rounds.target_count,
        rounds.is_gateway_answering,
        rounds.is_upstream_answering,
        coalesce(wan.is_running, true) as is_link_up,
        -- down: nothing beyond the gateway answers (or, with one target only, that target does not)
        case
            when rounds.upstream_target_count > 0 then not rounds.is_upstream_answering
            else not rounds.is_gateway_answering
        end as is_down
    from rounds
    asof left join wan
        on rounds.device_id = wan.device_id and rounds.observed_at >= wan.observed_at

)

select * from final
