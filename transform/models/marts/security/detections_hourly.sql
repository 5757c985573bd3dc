{#- Camera episodes started per site-local hour, by camera, channel and detection class. -#}
select
    date_trunc('hour', timezone('{{ var("site_timezone") }}', started_at)) as hour_local,
    camera,
    channel,
    detection_class,
    count(*) as episodes
from {{ ref('camera_episodes') }}
group by all
