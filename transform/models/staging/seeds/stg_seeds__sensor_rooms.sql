with

source as (

    select * from {{ ref('sensor_rooms') }}

),

renamed as (

    select
        nullif(trim(device_id), '') as device_id,
        nullif(trim(room), '') as room

    from source

)

select * from renamed
