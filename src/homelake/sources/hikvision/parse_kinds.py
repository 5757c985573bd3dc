"""`homelake parse` kinds of the HikVision family: saved ISAPI answers and alertStream bodies -> lake rows."""

from __future__ import annotations

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.hikvision import parser
from homelake.sources.hikvision.alerts import parse_stream
from homelake.sources.hikvision.events import HikvisionMqtt
from homelake.sources.mqtt_kinds import mqtt_parse_kind


def _device_info(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_device_info(raw, ctx)]


def _status(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_status(raw, ctx)]


def _triggers(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_triggers(raw, ctx)]


def _storage(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_storage(raw, ctx)]


def _alertstream(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return parse_stream(raw, ctx)


PARSE_KINDS = (
    ParseKind("hikvision-deviceinfo", "hikvision", "GET /ISAPI/System/deviceInfo", _device_info),
    ParseKind("hikvision-status", "hikvision", "GET /ISAPI/System/status", _status),
    ParseKind("hikvision-triggers", "hikvision", "GET /ISAPI/Event/triggers", _triggers),
    ParseKind("hikvision-storage", "hikvision", "GET /ISAPI/ContentMgmt/Storage", _storage),
    ParseKind("hikvision-alertstream", "hikvision", "a saved /ISAPI/Event/notification/alertStream body", _alertstream),
    mqtt_parse_kind(
        "hikvision-mqtt", "hikvision", "relayed camera events: JSON list of {topic, payload}", HikvisionMqtt
    ),
)
