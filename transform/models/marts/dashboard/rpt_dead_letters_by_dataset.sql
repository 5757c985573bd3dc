{#- Dead letters per source family and dataset: how many, when, and the newest reason. The payloads
    stay in the lake; the Health page needs only this summary. -#}
with

dead_letters as (

    select * from {{ ref('stg_homelake__dead_letters') }}

),

final as (

    select
        source_family,
        dataset,
        count(*) as reject_count,
        min(observed_at) as first_rejected_at,
        max(observed_at) as last_rejected_at,
        arg_max(reason, (observed_at, received_at)) as last_reason
    from dead_letters
    group by source_family, dataset

)

select * from final
