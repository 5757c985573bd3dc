{#- One row per Shelly device id seen in any Shelly dataset, with its MAC (the newest one its status
    reported, else the 12 hex digits that end a Gen2+ id or a newer Gen1 id) and its row in
    device_metadata, found through that MAC. -#}
with

device_status as (

    select * from {{ ref('stg_shelly__device_status') }}

),

device_metadata as (

    select * from {{ ref('stg_seeds__device_metadata') }}

),

device_ids as (

    select device_id from {{ ref('stg_shelly__switch_readings') }}
    union
    select device_id from {{ ref('stg_shelly__sensor_readings') }}
    union
    select device_id from device_status
    union
    select device_id from {{ ref('stg_shelly__events') }}

),

reported_macs as (

    select
        device_id,
        mac
    from device_status
    where mac is not null
    qualify row_number() over (partition by device_id order by received_at desc, observed_at desc) = 1

),

identified as (

    select
        device_ids.device_id,
        coalesce(
            reported_macs.mac,
            -- `shellypro4pm-a8032ab1c2d3`, `shellyswitch25-485519032A7E`; the 6-digit ids of older
            -- Gen1 firmware hold only half the MAC and give none
            case
                when regexp_matches(device_ids.device_id, '-[0-9A-Fa-f]{12}$')
                    then {{ normalize_mac("regexp_extract(device_ids.device_id, '([0-9A-Fa-f]{12})$', 1)") }}
            end
        ) as mac,
        case when reported_macs.mac is not null then 'device_status' else 'device_id' end as mac_source
    from device_ids
    left join reported_macs
        on device_ids.device_id = reported_macs.device_id

),

final as (

    select
        identified.device_id,
        identified.mac,
        case when identified.mac is not null then identified.mac_source end as mac_source,
        device_metadata.name,
        device_metadata.room,
        device_metadata.device_type
    from identified
    left join device_metadata
        on identified.mac = device_metadata.mac

)

select * from final
