{#- The grid import price (per kWh) at local time `local_ts` (TIMESTAMP in the site's zone): the first
    time-of-use period of var tariff_import_periods holding its minute of the day, else the flat
    tariff_import_price; null when the tariff says nothing. -#}
{% macro import_price_at(local_ts) -%}
    {%- set periods = var('tariff_import_periods', []) -%}
    {%- set flat = var('tariff_import_price', none) -%}
    {%- set flat_sql = 'null' if flat is none else flat -%}
    {%- set minute = '(extract(hour from ' ~ local_ts ~ ') * 60 + extract(minute from ' ~ local_ts ~ '))' -%}
    {%- if periods | length == 0 -%}
    cast({{ flat_sql }} as double)
    {%- else -%}
    cast(case
    {%- for start, stop, price in periods %}
        {%- if stop > start %}
        when {{ minute }} >= {{ start }} and {{ minute }} < {{ stop }} then {{ price }}
        {%- else %}
        when {{ minute }} >= {{ start }} or {{ minute }} < {{ stop }} then {{ price }}
        {%- endif %}
    {%- endfor %}
        else {{ flat_sql }}
    end as double)
    {%- endif -%}
{%- endmacro %}

{#- A price var as a SQL double (null when the site file leaves it out). -#}
{% macro price_var(name) -%}
    {%- set value = var(name, none) -%}
    cast({{ 'null' if value is none else value }} as double)
{%- endmacro %}
