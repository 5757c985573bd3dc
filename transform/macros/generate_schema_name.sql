{#- Use a model's custom schema name as is (staging, intermediate, seeds) instead of prefixing it with
    the target schema, so marts live in `main` and everything else is clearly set apart. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
