"""`homelake parse` kinds of the MikroTik family: saved RouterOS REST answers -> lake rows."""

from __future__ import annotations

from collections.abc import Callable

from homelake.sources.base import ParseContext, ParseKind, ParseResult, json_payload
from homelake.sources.mikrotik import parser
from homelake.sources.mikrotik.edge_parse_kinds import EDGE_PARSE_KINDS


def _menu_of(items: object) -> str:
    """The wifi menu decides field names; guess it from the fields when the file does not say."""
    rows = items if isinstance(items, list) else []
    if any(isinstance(i, dict) and "signal-strength" in i for i in rows):
        return "wireless"
    if any(isinstance(i, dict) and "rx-signal" in i for i in rows):
        return "capsman"
    return "wifi"


def _kind(which: str) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        data = json_payload(raw)
        if which == "leases":
            return [parser.parse_leases(data, ctx)]
        if which == "interfaces":
            return [parser.parse_interfaces(data, ctx)]
        if which == "resource":
            return [parser.parse_system(data, ctx)]
        return [parser.parse_wifi(data, ctx, _menu_of(data))]

    return run


PARSE_KINDS = (
    ParseKind("mikrotik-leases", "mikrotik", "GET /rest/ip/dhcp-server/lease", _kind("leases")),
    ParseKind("mikrotik-wifi", "mikrotik", "wifi / wireless / CAPsMAN registration table", _kind("wifi")),
    ParseKind("mikrotik-interfaces", "mikrotik", "GET /rest/interface", _kind("interfaces")),
    ParseKind("mikrotik-resource", "mikrotik", "GET /rest/system/resource", _kind("resource")),
    *EDGE_PARSE_KINDS,
)
