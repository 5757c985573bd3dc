{#- The lake datasets this project declares: every source of this project read from the lake through an
    `external_location`, sorted by family and name. A new family's sources YAML is all it takes for its
    datasets to show up in whatever enumerates them (dataset_freshness). Empty while dbt parses (the
    graph is not filled yet); callers must still render valid SQL then. -#}
{% macro lake_datasets() -%}
    {%- set datasets = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set meta = node.get('meta', {}) or {} -%}
            {%- set config_meta = (node.get('config', {}) or {}).get('meta', {}) or {} -%}
            {%- if node.package_name == project_name
                and (meta.get('external_location') or config_meta.get('external_location')) -%}
                {%- do datasets.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(datasets) }}
{%- endmacro %}
