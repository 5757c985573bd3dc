{#- MQTT redeliveries. QoS 1 is at-least-once: when an acknowledgement is lost the broker sends the
    message again with the DUP flag, and the ingester archives and parses it a second time (with a new
    received_at). A `dup` message whose content (msg_key = hash of topic + payload) was already
    received within var('mqtt_redelivery_window_s') before is such a second copy. A `dup` message seen
    for the first time is kept: its first delivery never reached the lake. -#}

{#- Subquery of the redelivered messages: (msg_key, collector, received_at). The earlier receipt must be
    strictly earlier, so exact copies of one archive row (a retried batch write) never count as a redelivery. -#}
{% macro mqtt_redeliveries() -%}
    (
        select distinct
            dups.msg_key,
            dups.collector,
            dups.received_at
        from {{ source('mqtt', 'messages') }} as dups
        inner join {{ source('mqtt', 'messages') }} as earlier
            on dups.msg_key = earlier.msg_key
            and earlier.received_at < dups.received_at
            and earlier.received_at >= dups.received_at - to_seconds({{ var('mqtt_redelivery_window_s') }})
        where dups.dup
    )
{%- endmacro %}

{#- True for a parsed row that came from a redelivered message: the ingester stamps a message's rows
    with the message's own received_at, and its receipt times strictly increase message by message, so
    (collector, received_at) names one message (never the fresh messages read in the same socket read).
    `condition` limits it to MQTT rows of mixed-transport datasets. -#}
{% macro is_mqtt_redelivery(condition='true') -%}
    (
        ({{ condition }})
        and (collector, received_at) in (
            select (redeliveries.collector, redeliveries.received_at) from {{ mqtt_redeliveries() }} as redeliveries
        )
    )
{%- endmacro %}
