with

source as (

    select * from {{ source('hikvision', 'storage') }}

)

select
    observed_at,
    received_at,
    family,
    device_id,
    collector,
    disk_id,
    disk_name,
    lower(status) as disk_status,
    capacity_mb,
    free_mb,
    coalesce(is_error, false) as is_error
from source
