with

source as (

    select * from {{ source('swos', 'if_counters') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the interface (on SwOS the ifIndex is the port number)
        if_index,
        if_index as port_number,
        nullif(trim(if_name), '') as port_name,
        is_up,
        speed_mbps,

        -- raw cumulative counters, as the switch gave them
        counter_bits,
        in_octets,
        out_octets,
        in_errors,
        out_errors,
        in_discards,
        uptime_s

    from source

)

select * from renamed
{{ dedupe_redeliveries(['if_index']) }}
