{#- One row: when the dbt build that made this warehouse started. Every mart is as fresh as this
    build, which is what the dashboard shows beside its health and freshness figures. -#}
with

final as (

    select
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz) as built_at,
        '{{ invocation_id }}' as invocation_id,
        '{{ dbt_version }}' as dbt_version,
        '{{ var("site_timezone") }}' as site_timezone

)

select * from final
