{#- Energy each PoE port delivered per UTC hour, from the switch's power readings (int_poe_intervals_split_hourly),
    with the device it powers and that device's room (int_poe_port_devices) - the cameras' and access points'
    own energy, which no Shelly circuit sees on its own. `coverage` is the share of the hour between readings
    no further apart than var('poe_max_reading_gap_s'). -#}
with

shares as (

    select * from {{ ref('int_poe_intervals_split_hourly') }}

),

devices as (

    select * from {{ ref('int_poe_port_devices') }}

),

links as (

    select device_id, port_number, port_name
    from {{ ref('stg_swos__links') }}
    qualify observed_at = max(observed_at) over (partition by device_id, port_number)

),

hours as (

    select
        device_id,
        port_number,
        hour_start_at,
        sum(energy_wh) as energy_wh,
        sum(overlap_s) as covered_s,
        sum(case when not is_gap then overlap_s else 0 end) as measured_s,
        max(power_w) as peak_power_w
    from shares
    group by device_id, port_number, hour_start_at

)

select
    hours.hour_start_at,
    {{ to_site_local('hours.hour_start_at') }} as hour_start_local,
    cast({{ to_site_local('hours.hour_start_at') }} as date) as local_date,
    hours.device_id as switch,
    hours.port_number,
    links.port_name,
    'poe:' || hours.device_id || ':' || hours.port_number as circuit,
    devices.mac as powered_mac,
    coalesce(devices.powered_device, links.port_name) as powered_device,
    devices.device_type as powered_device_type,
    devices.room,
    hours.energy_wh,
    case when hours.measured_s > 0 then hours.energy_wh * 3600 / hours.measured_s end as avg_power_w,
    hours.peak_power_w,
    least(hours.measured_s / 3600.0, 1.0) as coverage
from hours
left join devices
    on hours.device_id = devices.device_id
    and hours.port_number = devices.port_number
left join links
    on hours.device_id = links.device_id
    and hours.port_number = links.port_number
