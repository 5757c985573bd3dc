{#- A switch's SNMP interface counters as increases between consecutive polls of the same interface, reset-
    and wrap-safe (macro counter_increase): the uptime going down is a restart (the increase is the new value); a
    32-bit octet counter below its previous value wrapped when the wrapped increase fits what the port's line rate
    could carry in the gap (else it was reset); errors and discards wrap only from the counter's upper half. A gap
    of many 32-bit wraps cannot be told from one: poll a fast port often, or over SNMPv2c with 64-bit counters. -#}
with

counters as (

    select * from {{ ref('stg_swos__if_counters') }}

),

ordered as (

    select
        *,
        lag(observed_at) over series as previous_at,
        lag(counter_bits) over series as previous_bits,
        lag(uptime_s) over series as previous_uptime_s,
        lag(in_octets) over series as previous_in_octets,
        lag(out_octets) over series as previous_out_octets,
        lag(in_errors) over series as previous_in_errors,
        lag(out_errors) over series as previous_out_errors,
        lag(in_discards) over series as previous_in_discards
    from counters
    window series as (partition by device_id, if_index order by observed_at)

),

bounded as (

    select
        *,
        coalesce(uptime_s < previous_uptime_s, false) as is_restart,
        -- the most bytes the port could carry in the gap at its line rate (null: speed unknown)
        case when speed_mbps > 0 then speed_mbps * 125000.0 * epoch(observed_at - previous_at) end as max_octets
    from ordered
    where previous_at is not null and observed_at > previous_at

),

increased as (

    select
        device_id,
        if_index,
        port_number,
        port_name,
        counter_bits,
        previous_at as interval_start_at,
        observed_at as interval_end_at,
        is_restart,
        {{ counter_increase('in_octets', 'previous_in_octets', 'counter_bits', 'previous_bits', 'is_restart',
                            'max_octets') }} as in_bytes,
        {{ counter_increase('out_octets', 'previous_out_octets', 'counter_bits', 'previous_bits', 'is_restart',
                            'max_octets') }} as out_bytes,
        {{ counter_increase('in_errors', 'previous_in_errors', '32', '32', 'is_restart') }} as in_errors,
        {{ counter_increase('out_errors', 'previous_out_errors', '32', '32', 'is_restart') }} as out_errors,
        {{ counter_increase('in_discards', 'previous_in_discards', '32', '32', 'is_restart') }} as in_discards,
        {{ counter_wrapped('in_octets', 'previous_in_octets', 'counter_bits', 'previous_bits', 'is_restart',
                           'max_octets') }} as is_in_wrap,
        {{ counter_wrapped('out_octets', 'previous_out_octets', 'counter_bits', 'previous_bits', 'is_restart',
                           'max_octets') }} as is_out_wrap,
        not is_restart and counter_bits = previous_bits as is_comparable,
        in_octets < previous_in_octets as is_in_drop,
        out_octets < previous_out_octets as is_out_drop
    from bounded

),

final as (

    select
        device_id,
        if_index,
        port_number,
        port_name,
        counter_bits,
        interval_start_at,
        interval_end_at,
        in_bytes,
        out_bytes,
        in_errors,
        out_errors,
        in_discards,
        is_restart,
        is_in_wrap or is_out_wrap as is_wrap,
        -- a drop that is neither a restart nor a wrap: the counters were cleared
        coalesce(is_comparable and ((is_in_drop and not is_in_wrap) or (is_out_drop and not is_out_wrap)), false)
            as is_reset
    from increased

)

select * from final
