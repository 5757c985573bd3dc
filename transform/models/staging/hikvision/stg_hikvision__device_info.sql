with

source as (

    select * from {{ source('hikvision', 'device_info') }}

)

select
    observed_at,
    received_at,
    family,
    device_id,
    collector,
    device_name,
    model,
    serial_number,
    firmware,
    firmware_build,
    device_type,
    {{ normalize_mac('mac') }} as mac,
    device_uid,
    hardware_version
from source
