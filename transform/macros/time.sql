{#- Time helpers. Timestamps are TIMESTAMPTZ; these do the UTC arithmetic explicitly so that results
    never depend on the session's zone. -#}

{#- Start of the UTC hour holding `ts`, as TIMESTAMPTZ. -#}
{% macro utc_hour_start(ts) -%}
    timezone('UTC', date_trunc('hour', timezone('UTC', {{ ts }})))
{%- endmacro %}

{#- Wall-clock time (TIMESTAMP without zone) of `ts` in the site's zone. -#}
{% macro to_site_local(ts) -%}
    timezone('{{ var("site_timezone") }}', {{ ts }})
{%- endmacro %}

{#- `ts` minus a number of seconds (fractions kept to the microsecond). -#}
{% macro seconds_before(ts, seconds) -%}
    ({{ ts }} - to_microseconds(cast(round({{ seconds }} * 1000000) as bigint)))
{%- endmacro %}
