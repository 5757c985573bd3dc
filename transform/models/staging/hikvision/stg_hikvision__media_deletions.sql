with

source as (

    select * from {{ source('hikvision', 'media_deletions') }}

)

-- one row per deleted file: the first deletion recorded
select
    path,
    device_id,
    sha256,
    bytes,
    reason,
    observed_at as deleted_at
from source
qualify row_number() over (partition by path order by observed_at) = 1
