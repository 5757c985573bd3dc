{{ config(materialized='table') }}

{#- Energy per metered channel and UTC hour, from the counter intervals split over the hours they
    overlap, with the channel's circuit, room and kind and the site-local wall clock of the hour, and how
    much of the hour readings cover (`coverage`) and whether the counter bridged a gap in it
    (`is_bridged`). `energy_wh` is the import counter's energy, `returned_energy_wh` the export counter's
    (what an energy meter saw flow back; 0 where the channel has no such counter); coverage and readings
    are the import counter's. energy_hourly_by_circuit keeps the room circuits of it, energy_meter_hourly
    the energy meters' channels. -#}
with

hourly_shares as (

    select * from {{ ref('int_energy_intervals_split_hourly') }}

),

observations as (

    select * from {{ ref('int_energy_counter_observations') }}
    where counter = 'import'

),

channels as (

    select * from {{ ref('int_energy_channels_mapped') }}

),

energy as (

    select
        device_id,
        channel,
        hour_start_at,
        sum(case when counter = 'import' then energy_wh else 0 end) as energy_wh,
        sum(case when counter = 'export' then energy_wh else 0 end) as returned_energy_wh,
        sum(case when counter = 'import' then overlap_s else 0 end) as covered_s,
        sum(case when counter = 'import' and not is_gap then overlap_s else 0 end) as measured_s,
        coalesce(bool_or(counter = 'import' and is_gap and overlap_s > 0), false) as is_bridged
    from hourly_shares
    group by device_id, channel, hour_start_at

),

readings as (

    select
        device_id,
        channel,
        {{ utc_hour_start('order_at') }} as hour_start_at,
        count(*) as observation_count
    from observations
    group by device_id, channel, hour_start_at

),

hours as (

    -- an hour with readings but no interval yet (the very first reading) still shows, with 0 Wh
    select
        coalesce(energy.device_id, readings.device_id) as device_id,
        coalesce(energy.channel, readings.channel) as channel,
        coalesce(energy.hour_start_at, readings.hour_start_at) as hour_start_at,
        coalesce(energy.energy_wh, 0) as energy_wh,
        coalesce(energy.returned_energy_wh, 0) as returned_energy_wh,
        coalesce(energy.covered_s, 0) as covered_s,
        coalesce(energy.measured_s, 0) as measured_s,
        coalesce(energy.is_bridged, false) as is_bridged,
        coalesce(readings.observation_count, 0) as observation_count
    from energy
    full outer join readings
        on energy.device_id = readings.device_id
        and energy.channel = readings.channel
        and energy.hour_start_at = readings.hour_start_at

),

final as (

    select
        hours.hour_start_at,
        {{ to_site_local('hours.hour_start_at') }} as hour_start_local,
        cast({{ to_site_local('hours.hour_start_at') }} as date) as local_date,
        hours.device_id,
        hours.channel,
        channels.circuit,
        channels.room,
        channels.room_source,
        coalesce(channels.kind, 'circuit') as kind,
        hours.energy_wh,
        hours.returned_energy_wh,
        -- mean power over the part of the hour the readings cover (all of it, once data flows)
        case when hours.covered_s > 0 then hours.energy_wh * 3600 / hours.covered_s end as avg_power_w,
        hours.covered_s,
        -- share of the hour between readings no further apart than var('energy_max_reading_gap_s')
        least(hours.measured_s / 3600.0, 1.0) as coverage,
        hours.is_bridged,
        hours.observation_count
    from hours
    left join channels
        on hours.device_id = channels.device_id
        and hours.channel = channels.channel

)

select * from final
