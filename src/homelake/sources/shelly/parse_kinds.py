"""`homelake parse` kinds of the Shelly family: saved HTTP status answers and MQTT traffic -> lake rows."""

from __future__ import annotations

from collections.abc import Callable

from homelake.sources.base import ParseContext, ParseKind, ParseResult, json_payload
from homelake.sources.mqtt_kinds import mqtt_parse_kind
from homelake.sources.shelly.gen1.parser import parse_gen1_status
from homelake.sources.shelly.gen2.parser import parse_gen2_status
from homelake.sources.shelly.mqtt import ShellyMqtt


def _status(generation: int) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        data = json_payload(raw)
        return parse_gen1_status(data, ctx) if generation == 1 else parse_gen2_status(data, ctx)

    return run


PARSE_KINDS = (
    ParseKind("shelly-gen1-status", "shelly", "Shelly Gen1 GET /status", _status(1)),
    ParseKind("shelly-gen2-status", "shelly", "Shelly Gen2+ Shelly.GetStatus (bare or RPC)", _status(2)),
    mqtt_parse_kind("shelly-mqtt", "shelly", "JSON list of Shelly MQTT {topic, payload}", ShellyMqtt),
)
