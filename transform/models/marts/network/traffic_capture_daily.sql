-- How much of the traffic the connection table poll saw, per router and site-local day. A connection that ends
-- between two polls takes the bytes it moved since the last poll with it (and one that starts and ends between
-- polls is never seen): `tail_bytes_estimated` estimates the first kind, for each flow gone at the next poll, as
-- its last interval's rate over half the gap to that poll (it ended some time in it). Flows seen in one poll only
-- (`connections_seen_once`) are the visible edge of the churn.
with

flows as (

    select * from {{ ref('int_firewall_flows_differenced') }}
    where direction in ('outbound', 'inbound')

),

per_flow as (

    select
        *,
        count(*) over (partition by flow_id) as polls_seen,
        case
            when is_last_seen and not is_new_flow and previous_poll_at is not null then
                (orig_bytes_delta + repl_bytes_delta)
                / greatest(epoch(observed_at) - epoch(previous_poll_at), 1)
                * (epoch(next_poll_at) - epoch(observed_at)) / 2
        end as tail_bytes_estimated
    from flows

),

final as (

    select
        cast({{ to_site_local('observed_at') }} as date) as local_date,
        device_id,
        count(distinct observed_at) as polls,
        count(distinct flow_id) as connections_seen,
        count(distinct flow_id) filter (where is_last_seen) as connections_ended,
        count(distinct flow_id) filter (where polls_seen = 1) as connections_seen_once,
        sum(bytes_sent + bytes_received) as bytes_seen,
        cast(round(coalesce(sum(tail_bytes_estimated), 0)) as bigint) as tail_bytes_estimated,
        coalesce(sum(tail_bytes_estimated), 0) / nullif(sum(bytes_sent + bytes_received)
            + coalesce(sum(tail_bytes_estimated), 0), 0) as missed_share_estimated
    from per_flow
    group by all

)

select * from final
