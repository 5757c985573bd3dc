{#- IP address helpers (DuckDB's inet extension is not assumed: it would be a download at build time). -#}

{#- The address as lower-case hex of its bytes: 8 digits for IPv4, 32 for IPv6 (`::` expanded). Addresses
    are in the canonical text the parsers write (Python's ipaddress), so no zone ids or IPv4-in-IPv6 forms. -#}
{% macro ip_hex(address) -%}
{%- set left = "case when split_part(" ~ address ~ ", '::', 1) = '' then []::varchar[] else string_split(split_part(" ~ address ~ ", '::', 1), ':') end" -%}
{%- set right = "case when not contains(" ~ address ~ ", '::') or split_part(" ~ address ~ ", '::', 2) = '' then []::varchar[] else string_split(split_part(" ~ address ~ ", '::', 2), ':') end" -%}
    lower(case
        when {{ address }} is null then null
        when contains({{ address }}, ':') then
            array_to_string(list_transform({{ left }}, lambda g: lpad(g, 4, '0')), '')
            || repeat('0000', 8 - len({{ left }}) - len({{ right }}))
            || array_to_string(list_transform({{ right }}, lambda g: lpad(g, 4, '0')), '')
        else array_to_string(list_transform(string_split({{ address }}, '.'), lambda o: lpad(hex(o::int), 2, '0')), '')
    end)
{%- endmacro %}

{#- The address (hex from ip_hex) as a number: UHUGEINT holds IPv6's 128 bits. -#}
{% macro ip_number(hex_expr) -%}
    cast('0x' || {{ hex_expr }} as uhugeint)
{%- endmacro %}

{#- The MAC inside an IPv6 SLAAC address (EUI-64: ff:fe in the middle of the interface id, the universal/local
    bit flipped); null for any other address (privacy or DHCPv6 addresses name no MAC). -#}
{% macro eui64_mac(hex_expr) -%}
    case when length({{ hex_expr }}) = 32 and substr({{ hex_expr }}, 23, 4) = 'fffe' then
        lower(
            lpad(hex(xor(cast('0x' || substr({{ hex_expr }}, 17, 2) as integer), 2)), 2, '0') || ':'
            || substr({{ hex_expr }}, 19, 2) || ':' || substr({{ hex_expr }}, 21, 2) || ':'
            || substr({{ hex_expr }}, 27, 2) || ':' || substr({{ hex_expr }}, 29, 2) || ':'
            || substr({{ hex_expr }}, 31, 2)
        )
    end
{%- endmacro %}
