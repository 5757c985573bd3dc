with

source as (

    select * from {{ source('hikvision', 'triggers') }}

)

select
    observed_at,
    received_at,
    family,
    device_id,
    collector,
    trigger_id,
    lower(event_type) as event_type,
    channel,
    notification_methods,
    notifies_center
from source
