"""The `homelake parse` kind every MQTT family shares: a JSON list of {topic, payload} through its MQTT parser."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from homelake.sources.base import MqttParser, ParseContext, ParseKind, ParseResult, PayloadError, Reject, json_payload


def mqtt_messages(raw: bytes) -> list[tuple[str, bytes]]:
    """A JSON list of `{"topic": str, "payload": str | JSON value}` -> (topic, payload bytes)."""
    data = json_payload(raw)
    if not isinstance(data, list):
        raise PayloadError(f"expected a JSON array of messages, got {type(data).__name__}")
    messages: list[tuple[str, bytes]] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("topic"), str) or "payload" not in item:
            raise PayloadError(f'message {index}: expected {{"topic": str, "payload": ...}}')
        payload = item["payload"]
        body = payload.encode() if isinstance(payload, str) else orjson.dumps(payload)
        messages.append((item["topic"], body))
    return messages


def mqtt_parse_kind(name: str, family: str, description: str, parser: Callable[[], MqttParser]) -> ParseKind:
    """A parse kind that feeds each message to a fresh `parser()` in order, as the ingester does."""

    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        router = parser()
        results: list[ParseResult] = []
        for index, (topic, payload) in enumerate(mqtt_messages(raw)):
            try:
                results += router.apply(topic, payload, ctx)
            except PayloadError as exc:  # as the ingester does: keep going, dead-letter this message
                reject = Reject(f"message {index} ({topic}): {exc}", payload)
                results.append(ParseResult("mqtt/messages", rejects=[reject]))
        return results

    return ParseKind(name, family, description, run)
