{#- One spelling for MAC addresses everywhere, the lake's: lower-case, colon-separated. The parsers
    already write it; this also fixes hand-written seeds (upper case, dashes, dots, bare hex digits).
    Anything that is not 12 hex digits is kept (lower-cased) so that it still shows up. -#}
{% macro normalize_mac(column) -%}
    {%- set hex_digits = "regexp_replace(lower(trim(" ~ column ~ ")), '[:.-]', '', 'g')" -%}
    case
        when regexp_full_match({{ hex_digits }}, '[0-9a-f]{12}')
            then concat_ws(':'
                {%- for start in range(1, 12, 2) -%}
                    , substr({{ hex_digits }}, {{ start }}, 2)
                {%- endfor -%}
            )
        else nullif(lower(trim({{ column }})), '')
    end
{%- endmacro %}
