{#- How far a cumulative counter went up between two polls, never negative: null without a previous value or when
    the counter's width changed; the new value when the device restarted (`is_restart`); across a drop, a 32-bit
    counter that wrapped at 2^32 (the wrapped increase fits `max_increase`, the most the gap could carry; with no
    bound known, the previous value was in the counter's upper half) adds 2^32, any other drop is a reset and the
    increase is the new value. -#}
{% macro counter_increase(value, previous, bits, previous_bits, is_restart, max_increase='null') -%}
    case
        when {{ previous }} is null or {{ value }} is null or {{ bits }} <> {{ previous_bits }} then null
        when {{ is_restart }} then {{ value }}
        when {{ value }} >= {{ previous }} then {{ value }} - {{ previous }}
        when {{ bits }} = 32 and coalesce(
            {{ value }} + 4294967296 - {{ previous }} <= {{ max_increase }},
            {{ previous }} >= 2147483648
        ) then {{ value }} + 4294967296 - {{ previous }}
        else {{ value }}
    end
{%- endmacro %}

{#- The increase above came from a 32-bit wrap (same tests, in the same order). -#}
{% macro counter_wrapped(value, previous, bits, previous_bits, is_restart, max_increase='null') -%}
    coalesce(
        {{ previous }} is not null and {{ value }} is not null and {{ bits }} = {{ previous_bits }}
        and not {{ is_restart }} and {{ value }} < {{ previous }} and {{ bits }} = 32
        and coalesce({{ value }} + 4294967296 - {{ previous }} <= {{ max_increase }}, {{ previous }} >= 2147483648),
        false
    )
{%- endmacro %}
