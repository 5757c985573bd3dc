{#- Keep the first delivery of each observation. The lake is at-least-once, so the same row (same
    device, same observed_at, same natural key) can arrive twice; the earliest received copy wins. -#}
{% macro dedupe_redeliveries(key_columns) -%}
    qualify row_number() over (
        partition by device_id, observed_at{% for column in key_columns %}, {{ column }}{% endfor %}
        order by received_at, collector
    ) = 1
{%- endmacro %}
