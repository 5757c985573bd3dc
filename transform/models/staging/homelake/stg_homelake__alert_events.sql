with

source as (

    select * from {{ source('homelake', 'alert_events') }}

),

renamed as (

    select
        observed_at as evaluated_at,
        key as alert_key,
        rule,
        event,
        title,
        message,
        since_at,
        opened_at,
        closed_at

    from source

)

select * from renamed
