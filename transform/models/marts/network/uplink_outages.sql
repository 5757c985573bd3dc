-- Internet outages seen by each router's probes: consecutive down rounds form one outage, from the first
-- down round to the first round that got through again (null while it lasts). The cause tells a cable or
-- modem problem (the WAN link went down) from the ISP's gateway not answering from trouble further upstream.
with

rounds as (

    select * from {{ ref('int_uplink_probe_rounds') }}

),

islands as (

    select
        *,
        sum(case when is_down then 0 else 1 end) over (
            partition by device_id order by observed_at rows unbounded preceding
        ) as island,
        lead(observed_at) over (partition by device_id order by observed_at) as next_round_at
    from rounds

),

outages as (

    select
        device_id,
        island,
        min(observed_at) as started_at,
        -- the up round that closes the island follows its last down round; none yet: ongoing
        case when bool_or(next_round_at is null) then null else max(next_round_at) end as ended_at,
        count(*) as down_rounds,
        case
            when bool_or(not is_link_up) then 'link_down'
            when bool_or(not is_gateway_answering) then 'gateway_unreachable'
            else 'upstream_unreachable'
        end as cause
    from islands
    where is_down
    group by device_id, island

),

final as (

    select
        device_id,
        started_at,
        ended_at,
        date_diff('second', started_at, ended_at) as duration_s,
        cause,
        down_rounds,
        ended_at is null as is_ongoing
    from outages

)

select * from final
