{#- Devices of a type the site file's allow-list checks (mikrotik.traffic.allowed_destinations, passed as the
    vars traffic_allowed_destinations and traffic_checked_device_types) talking to a country and network that no
    rule for their type allows: one row per device, country and ASN (outbound). A destination is allowed when
    its country or its ASN is allowed; one in no GeoIP database is unexpected unless its ASN is allowed. -#}
{%- set allowed = var('traffic_allowed_destinations') -%}
{%- set checked = var('traffic_checked_device_types') -%}
with

flows as (

    select * from {{ ref('int_firewall_flows_attributed') }}
    where direction = 'outbound' and mac is not null

),

allowed as (

    {% if allowed | length > 0 -%}
    select * from (values
        {%- for device_type, kind, value in allowed %}
        ('{{ device_type }}', '{{ kind }}', '{{ value }}'){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as t(device_type, destination_kind, destination)
    {%- else -%}
    select cast(null as varchar) as device_type, cast(null as varchar) as destination_kind,
        cast(null as varchar) as destination
    where false
    {%- endif %}

),

checked as (

    select * from flows
    where device_type in (
        {%- if checked | length > 0 %}'{{ checked | join("', '") }}'{% else %}null{% endif -%}
    )

),

unexpected as (

    select * from checked
    where not exists (
        select 1 from allowed
        where allowed.device_type = checked.device_type
            and (
                (allowed.destination_kind = 'country' and allowed.destination = checked.country_code)
                or (allowed.destination_kind = 'asn' and allowed.destination = cast(checked.asn as varchar))
            )
    )

),

final as (

    select
        mac,
        any_value(device_name) as device_name,
        device_type,
        country_code,
        asn,
        any_value(as_org) as as_org,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        sum(bytes_sent) as bytes_sent,
        sum(bytes_received) as bytes_received,
        count(distinct flow_id) as connections,
        list_sort(list(distinct external_address)) as external_addresses
    from unexpected
    group by mac, device_type, country_code, asn

)

select * from final
