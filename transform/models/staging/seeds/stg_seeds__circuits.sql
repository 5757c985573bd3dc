with

source as (

    select * from {{ ref('circuits') }}

),

renamed as (

    select
        {{ normalize_mac('mac') }} as mac,
        nullif(trim(device_id), '') as device_id,
        channel,
        nullif(trim(circuit), '') as circuit,
        nullif(trim(room), '') as room,
        nullif(trim("load"), '') as load_name

    from source

)

select * from renamed
