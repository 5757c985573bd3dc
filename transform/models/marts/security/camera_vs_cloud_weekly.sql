{#- Per camera and site-local week (Monday start): how often the camera's own human/vehicle call agrees with the
    cloud's labels on the same pictures (how far to trust the camera's AI). -#}
select
    cast(date_trunc('week', {{ to_site_local('taken_at') }}) as date) as week_start,
    camera,
    count(*) as analysed,
    count(*) filter (where camera_class = 'human') as camera_human,
    count(*) filter (where camera_class = 'human' and cloud_saw_person) as camera_human_confirmed,
    count(*) filter (where camera_class = 'vehicle') as camera_vehicle,
    count(*) filter (where camera_class = 'vehicle' and cloud_saw_vehicle) as camera_vehicle_confirmed,
    count(*) filter (where cloud_saw_person) as cloud_person,
    count(*) filter (where cloud_saw_vehicle) as cloud_vehicle,
    count(*) filter (where is_camera_confirmed is not null) as compared,
    count(*) filter (where is_camera_confirmed) as agreed,
    round(count(*) filter (where is_camera_confirmed) / nullif(count(*) filter (where is_camera_confirmed is not null), 0), 4)
        as agreement_share
from {{ ref('detections') }}
where analysis_status = 'analysed'
group by all
