"""`homelake parse` kinds: a saved payload -> the lake rows it produces, through the real parsers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject


def _json(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not valid JSON: {exc}") from None


def _mikrotik(kind: str) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        from homelake.sources.mikrotik import parser

        data = _json(raw)
        if kind == "leases":
            return [parser.parse_leases(data, ctx)]
        if kind == "interfaces":
            return [parser.parse_interfaces(data, ctx)]
        if kind == "resource":
            return [parser.parse_system(data, ctx)]
        # wifi: the menu decides field names; guess it from the fields when the file does not say
        menu = "wifi"
        items = data if isinstance(data, list) else []
        if any(isinstance(i, dict) and "signal-strength" in i for i in items):
            menu = "wireless"
        elif any(isinstance(i, dict) and "rx-signal" in i for i in items):
            menu = "capsman"
        return [parser.parse_wifi(data, ctx, menu)]

    return run


def _shelly_status(generation: int) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        from homelake.sources.shelly import parse_gen1_status, parse_gen2_status

        data = _json(raw)
        return parse_gen1_status(data, ctx) if generation == 1 else parse_gen2_status(data, ctx)

    return run


def _mqtt_messages(raw: bytes) -> list[tuple[str, bytes]]:
    """A JSON list of `{"topic": str, "payload": str | JSON value}` -> (topic, payload bytes)."""
    data = _json(raw)
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


def _mqtt(family: str) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        from homelake.sources.shelly import ShellyMqtt
        from homelake.sources.zigbee import ZigbeeMqtt

        router: ShellyMqtt | ZigbeeMqtt = ShellyMqtt() if family == "shelly" else ZigbeeMqtt()
        results: list[ParseResult] = []
        for index, (topic, payload) in enumerate(_mqtt_messages(raw)):
            try:
                results += router.apply(topic, payload, ctx)
            except PayloadError as exc:
                # as the ingester does: keep going, dead-letter this message
                reject = Reject(f"message {index} ({topic}): {exc}", payload)
                results.append(ParseResult("mqtt/messages", rejects=[reject]))
        return results

    return run


@dataclass(frozen=True)
class ParseKind:
    name: str
    family: str
    description: str
    run: Callable[[bytes, ParseContext], list[ParseResult]]


KINDS: dict[str, ParseKind] = {
    k.name: k
    for k in (
        ParseKind("mikrotik-leases", "mikrotik", "GET /rest/ip/dhcp-server/lease", _mikrotik("leases")),
        ParseKind("mikrotik-wifi", "mikrotik", "wifi / wireless / CAPsMAN registration table", _mikrotik("wifi")),
        ParseKind("mikrotik-interfaces", "mikrotik", "GET /rest/interface", _mikrotik("interfaces")),
        ParseKind("mikrotik-resource", "mikrotik", "GET /rest/system/resource", _mikrotik("resource")),
        ParseKind("shelly-gen1-status", "shelly", "Shelly Gen1 GET /status", _shelly_status(1)),
        ParseKind("shelly-gen2-status", "shelly", "Shelly Gen2+ Shelly.GetStatus (bare or RPC)", _shelly_status(2)),
        ParseKind("shelly-mqtt", "shelly", "JSON list of Shelly MQTT {topic, payload}", _mqtt("shelly")),
        ParseKind("zigbee-mqtt", "zigbee", "JSON list of Zigbee2MQTT {topic, payload}", _mqtt("zigbee")),
    )
}
