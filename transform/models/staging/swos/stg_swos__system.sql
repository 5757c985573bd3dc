with

source as (

    select * from {{ source('swos', 'system') }}

),

renamed as (

    select
        -- origin
        observed_at,
        received_at,
        family,
        device_id,
        collector,

        -- the switch
        identity as switch_identity,
        model as switch_model,
        version as swos_version,
        temperature_c,
        power_w

    from source

)

select * from renamed
{{ dedupe_redeliveries([]) }}
