{#- The site's LAN networks (var traffic_lan_networks, from the site file's mikrotik.traffic.lan_networks), as
    numbers: an address is in a network when both agree on the bits above host_bits. -#}
{%- set cidrs = var('traffic_lan_networks') -%}
with

listed as (

    {% if cidrs | length > 0 -%}
    select * from (values {% for cidr in cidrs %}('{{ cidr }}'){% if not loop.last %}, {% endif %}{% endfor %})
        as t(cidr)
    {%- else -%}
    select cast(null as varchar) as cidr where false
    {%- endif %}

),

parsed as (

    select
        cidr,
        split_part(cidr, '/', 1) as network_address,
        cast(split_part(cidr, '/', 2) as integer) as prefix_length,
        contains(cidr, ':') as is_ipv6
    from listed

),

final as (

    select
        cidr,
        is_ipv6,
        prefix_length,
        cast((case when is_ipv6 then 128 else 32 end) - prefix_length as uhugeint) as host_bits,
        {{ ip_number(ip_hex('network_address')) }} as network_number
    from parsed

)

select * from final
