{#- Share of the load met by PV, directly or through the battery, per site-local day: the load served while the
    AC input (generator or grid) was feeding the inverter counts as not self-sufficient. -#}
select
    device_id,
    local_date,
    load_kwh,
    load_on_ac_input_kwh,
    load_kwh - load_on_ac_input_kwh as load_from_pv_and_battery_kwh,
    case when load_kwh > 0 then (load_kwh - load_on_ac_input_kwh) / load_kwh end as self_sufficiency,
    is_complete
from {{ ref('energy_flows_daily') }}
