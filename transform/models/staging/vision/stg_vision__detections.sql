with

source as (

    select * from {{ source('vision', 'detections') }}

),

renamed as (

    select
        observed_at as analysed_at,
        sha256,
        camera,
        taken_at,
        provider,
        provider_kind,
        model,
        detection_index,
        label,
        provider_label,
        confidence,
        bbox_left,
        bbox_top,
        bbox_width,
        bbox_height,
        bbox_left is not null as has_bbox,
        latency_ms,
        cost_usd
    from source
    qualify row_number() over (partition by sha256, provider, detection_index order by received_at) = 1

)

select * from renamed
