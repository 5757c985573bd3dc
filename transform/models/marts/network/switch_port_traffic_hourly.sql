-- Bytes, errors and discards through each port of each switch per UTC hour, from its SNMP counters: the increase
-- between two polls (reset- and wrap-safe, never negative: int_swos_port_counters_increased) split over the UTC
-- hours the interval spans in proportion to time. `in` is what the switch received on the port (what the device
-- on it sent), `out` what it sent to the device.
with

intervals as (

    select
        *,
        epoch_us(interval_start_at) as start_us,
        epoch_us(interval_end_at) as end_us
    from {{ ref('int_swos_port_counters_increased') }}

),

hours as (

    select
        *,
        {{ utc_hour_numbers('start_us', 'end_us') }} as hour_number
    from intervals

),

parts as (

    select
        *,
        {{ hour_overlap_us('start_us', 'end_us', 'hour_number') }}
            / (end_us - start_us)::double as share
    from hours

),

port_names as (

    select device_id, port_number, port_name
    from {{ ref('stg_swos__if_counters') }}
    qualify row_number() over (partition by device_id, port_number order by observed_at desc) = 1

),

final as (

    select
        parts.device_id,
        parts.port_number,
        port_names.port_name,
        to_timestamp(parts.hour_number * 3600) as hour_start_at,
        cast(round(sum(parts.in_bytes * parts.share)) as bigint) as in_bytes,
        cast(round(sum(parts.out_bytes * parts.share)) as bigint) as out_bytes,
        cast(round(sum(parts.in_errors * parts.share)) as bigint) as in_errors,
        cast(round(sum(parts.out_errors * parts.share)) as bigint) as out_errors,
        cast(round(sum(parts.in_discards * parts.share)) as bigint) as in_discards,
        count(*) as intervals,
        count(*) filter (where parts.in_bytes is null or parts.out_bytes is null) as unknown_intervals,
        max(parts.counter_bits) as counter_bits,
        bool_or(parts.is_wrap) as has_counter_wrap,
        bool_or(parts.is_reset or parts.is_restart) as has_counter_reset
    from parts
    left join port_names using (device_id, port_number)
    group by all

)

select * from final
