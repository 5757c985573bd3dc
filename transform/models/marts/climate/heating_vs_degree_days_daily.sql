{#- Heating energy against the weather per site-local day: heating degree-days (each hour below the base
    temperature adds (base - outdoor) / 24) from Open-Meteo beside the kWh of the circuits whose load heats
    the home (var heating_loads, matched against circuits.csv's `load`). kWh per degree-day is the figure that
    tells a heat pump going bad, or a house losing more heat, apart from a cold week. -#}
with

weather as (

    select
        local_date,
        count(*) as weather_hours,
        avg(temperature_2m) as outdoor_avg_temperature_c,
        sum(greatest({{ var('heating_base_c') }} - temperature_2m, 0)) / 24.0 as heating_degree_days
    from (
        select local_date, hour_start_at, avg(temperature_2m) as temperature_2m
        from {{ ref('weather_hourly') }}
        where temperature_2m is not null
        group by local_date, hour_start_at
    )
    group by local_date

),

channels as (

    select device_id, channel
    from {{ ref('int_energy_channels_mapped') }}
    where lower(load_name) in ({{ "'" ~ var('heating_loads') | map('lower') | join("', '") ~ "'" }})

),

heating as (

    select
        energy.local_date,
        sum(energy.energy_wh) / 1000.0 as heating_kwh,
        count(distinct energy.device_id || ':' || energy.channel) as heating_circuits,
        sum(energy.covered_s) as heating_covered_s
    from {{ ref('energy_hourly_by_circuit') }} as energy
    inner join channels using (device_id, channel)
    group by energy.local_date

),

final as (

    select
        weather.local_date,
        weather.outdoor_avg_temperature_c,
        weather.heating_degree_days,
        weather.weather_hours,
        heating.heating_kwh,
        heating.heating_circuits,
        heating.heating_kwh / nullif(weather.heating_degree_days, 0) as kwh_per_degree_day,
        -- a whole day of weather (23 or 25 hours on the days the clocks change) and of every heating circuit
        weather.weather_hours >= 23
            and coalesce(heating.heating_covered_s, 0)
                >= heating.heating_circuits * weather.weather_hours * 3600 * 0.99 as is_complete
    from weather
    left join heating using (local_date)

)

select * from final
