{#- Every reading of a cumulative energy counter, per metered channel, over both transports (HTTP polls
    and MQTT). Readings are ordered by the collector's clock (received_at): device-stamped times drift
    and a Gen2 MQTT frame carries the device's own `ts`. -#}
{#- A table, not a view: every energy model and test reads it, and the staging dedupe under it is the
    costliest step of the build. -#}
{{ config(materialized='table') }}

with

switch_readings as (

    select * from {{ ref('stg_shelly__switch_readings') }}

),

final as (

    select
        device_id,
        channel,
        received_at as order_at,
        observed_at,
        energy_wh,
        uptime_s,
        transport,
        component,
        generation
    from switch_readings
    where energy_wh is not null
        and channel is not null

)

select * from final
