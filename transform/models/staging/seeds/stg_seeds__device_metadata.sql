with

source as (

    select * from {{ ref('device_metadata') }}

),

renamed as (

    select
        {{ normalize_mac('mac') }} as mac,
        nullif(trim(name), '') as name,
        nullif(trim(owner), '') as owner,
        nullif(trim(room), '') as room,
        nullif(trim(location), '') as location,
        nullif(trim(device_type), '') as device_type,
        nullif(trim(vendor), '') as vendor,
        nullif(trim(model), '') as model,
        nullif(trim(notes), '') as notes

    from source

)

select * from renamed
