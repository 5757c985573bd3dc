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

{#- One row per UTC hour an interval [start_us, end_us) (epoch microseconds, end exclusive) overlaps: the hour's
    number since the epoch (hour_number * 3600 is its start in epoch seconds). Use in a select list. -#}
{% macro utc_hour_numbers(start_us, end_us) -%}
    unnest(range(floor({{ start_us }} / 3600000000)::bigint, floor(({{ end_us }} - 1) / 3600000000)::bigint + 1))
{%- endmacro %}

{#- Microseconds of [start_us, end_us) that fall in UTC hour `hour_number`. -#}
{% macro hour_overlap_us(start_us, end_us, hour_number) -%}
    (least({{ end_us }}, ({{ hour_number }} + 1) * 3600000000) - greatest({{ start_us }}, {{ hour_number }} * 3600000000))
{%- endmacro %}
