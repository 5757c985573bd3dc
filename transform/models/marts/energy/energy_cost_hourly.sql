{#- What a kWh delivered to the home's loads cost, per UTC hour, from the tariff (the site file's
    warehouse.tariff): with a power system, the hour's grid import at the time-of-use price plus the generator's
    fuel (var generator_fuel_l_per_kwh) at the fuel price, spread over the hour's load (PV and battery energy cost
    nothing more); without one, every kWh is grid import at that hour's price. Null where a needed price is
    unknown. Feed-in is revenue of the whole site, not of a room. -#}
with

flows as (

    select
        hour_start_at,
        sum(load_wh) as load_wh,
        sum(grid_import_wh) as grid_import_wh,
        sum(grid_export_wh) as grid_export_wh,
        sum(generator_wh) as generator_wh
    from {{ ref('energy_flows_hourly') }}
    group by hour_start_at

),

hours as (

    select distinct hour_start_at from {{ ref('energy_hourly_by_circuit') }}
    union
    select hour_start_at from flows

),

priced as (

    select
        hours.hour_start_at,
        {{ to_site_local('hours.hour_start_at') }} as hour_start_local,
        cast({{ to_site_local('hours.hour_start_at') }} as date) as local_date,
        {{ import_price_at(to_site_local('hours.hour_start_at')) }} as import_price_per_kwh,
        flows.load_wh is not null as has_power_system,
        flows.load_wh,
        flows.grid_import_wh,
        flows.grid_export_wh,
        flows.generator_wh,
        flows.generator_wh / 1000.0 * {{ var('generator_fuel_l_per_kwh', 0.35) }} as generator_fuel_l
    from hours
    left join flows using (hour_start_at)

),

final as (

    select
        *,
        grid_import_wh / 1000.0 * import_price_per_kwh as import_cost,
        generator_fuel_l * {{ price_var('tariff_fuel_price_per_l') }}
            as fuel_cost,
        grid_export_wh / 1000.0
            * {{ price_var('tariff_feed_in_price') }}
            as feed_in_revenue,
        case
            when not has_power_system then import_price_per_kwh
            when load_wh > 0 then (
                -- a source with no energy this hour costs nothing, whatever its price
                case when grid_import_wh > 0 then grid_import_wh / 1000.0 * import_price_per_kwh else 0 end
                + case when generator_wh > 0
                    then generator_fuel_l
                        * {{ price_var('tariff_fuel_price_per_l') }}
                    else 0 end
            ) / (load_wh / 1000.0)
        end as cost_per_kwh,
        '{{ var("tariff_currency") }}' as currency
    from priced

)

select * from final
