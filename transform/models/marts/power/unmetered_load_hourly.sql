{#- The load the circuits do not see, per inverter and UTC hour: what the inverter delivered minus what the Shelly
    circuits it feeds metered (every metered circuit of the site: it runs off the inverter). Only hours both sides
    cover fully are `is_complete`. -#}
with

inverter as (

    select device_id, hour_start_at, load_wh, is_complete
    from {{ ref('energy_flows_hourly') }}

),

circuits as (

    select
        hour_start_at,
        sum(energy_wh) as metered_load_wh,
        count(*) as circuits,
        min(covered_s) as least_covered_s
    from {{ ref('energy_hourly_by_circuit') }}
    group by hour_start_at

),

final as (

    select
        inverter.device_id,
        inverter.hour_start_at,
        {{ to_site_local('inverter.hour_start_at') }} as hour_start_local,
        inverter.load_wh as inverter_load_wh,
        coalesce(circuits.metered_load_wh, 0) as metered_load_wh,
        inverter.load_wh - coalesce(circuits.metered_load_wh, 0) as unmetered_load_wh,
        (inverter.load_wh - coalesce(circuits.metered_load_wh, 0)) / nullif(inverter.load_wh, 0) as unmetered_share,
        coalesce(circuits.circuits, 0) as circuits,
        inverter.is_complete and coalesce(circuits.least_covered_s, 0) >= 3600 * 0.99 as is_complete
    from inverter
    left join circuits using (hour_start_at)

)

select * from final
