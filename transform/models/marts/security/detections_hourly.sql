{#- Camera episodes started per site-local hour, by camera, channel and detection class; `hour_start_at` is
    the UTC instant at which that site-local hour begins. -#}
with

episodes as (

    select
        *,
        date_trunc('hour', timezone('{{ var("site_timezone") }}', started_at)) as hour_local
    from {{ ref('camera_episodes') }}

)

select
    hour_local,
    timezone('{{ var("site_timezone") }}', hour_local) as hour_start_at,
    camera,
    channel,
    detection_class,
    count(*) as episodes
from episodes
group by all
