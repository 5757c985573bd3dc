{#- Each inverter energy interval's share of every UTC hour it overlaps, in proportion to time (power is taken
    as changing linearly between polls, so a share of time is a share of energy to within a poll's change).
    Gaps keep their time (for coverage) but carry no energy. -#}
with

intervals as (

    select
        *,
        epoch_us(interval_start_at) as start_us,
        epoch_us(interval_end_at) as end_us
    from {{ ref('stg_powmr__energy_intervals') }}
    where interval_end_at > interval_start_at

),

hours as (

    select
        *,
        {{ utc_hour_numbers('start_us', 'end_us') }} as hour_number
    from intervals

),

shares as (

    select
        *,
        {{ hour_overlap_us('start_us', 'end_us', 'hour_number') }}
            / (end_us - start_us)::double as share
    from hours

),

final as (

    select
        device_id,
        interval_start_at,
        interval_end_at,
        to_timestamp(hour_number * 3600) as hour_start_at,
        is_gap,
        ac_input,
        duration_s * share as overlap_s,
        pv_wh * share as pv_wh,
        load_wh * share as load_wh,
        battery_charge_wh * share as battery_charge_wh,
        battery_discharge_wh * share as battery_discharge_wh,
        ac_input_wh * share as ac_input_wh
    from shares

)

select * from final
