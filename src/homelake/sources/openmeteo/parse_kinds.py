"""`homelake parse` kinds of the Open-Meteo family: a saved forecast or archive answer -> openmeteo/weather rows."""

from __future__ import annotations

from homelake.sources.base import ParseContext, ParseKind, ParseResult, json_payload
from homelake.sources.openmeteo import parser


def _forecast(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_weather(json_payload(raw), ctx)]


def _archive(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_weather(json_payload(raw), ctx, api="archive")]


PARSE_KINDS = (
    ParseKind(
        "openmeteo-forecast", "openmeteo", "GET /v1/forecast answer (JSON; iso8601 or unixtime), rows api=forecast",
        _forecast, aliases=("open-meteo",),
    ),
    ParseKind("openmeteo-archive", "openmeteo", "GET /v1/archive answer (JSON), its rows marked api=archive", _archive),
)  # fmt: skip
