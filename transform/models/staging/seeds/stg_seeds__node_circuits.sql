with

source as (

    select * from {{ ref('node_circuits') }}

),

renamed as (

    select
        nullif(trim(node), '') as node,
        nullif(trim(circuit), '') as circuit

    from source

)

select * from renamed
