"""`homelake parse` kinds of the network edge: saved connection tables, DNS caches, neighbour tables, ping replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homelake.sources.base import ParseContext, ParseKind, ParseResult, json_payload
from homelake.sources.mikrotik import edge_parser


def _kind(parse: Callable[[Any, ParseContext], ParseResult]) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        return [parse(json_payload(raw), ctx)]

    return run


EDGE_PARSE_KINDS = (
    ParseKind(
        "mikrotik-connections", "mikrotik", "GET /rest/ip/firewall/connection", _kind(edge_parser.parse_connections)
    ),
    ParseKind("mikrotik-dns-cache", "mikrotik", "GET /rest/ip/dns/cache", _kind(edge_parser.parse_dns_cache)),
    ParseKind(
        "mikrotik-ipv6-neighbors", "mikrotik", "GET /rest/ipv6/neighbor", _kind(edge_parser.parse_ipv6_neighbors)
    ),
    ParseKind("mikrotik-dhcp-client", "mikrotik", "GET /rest/ip/dhcp-client", _kind(edge_parser.parse_dhcp_client)),
    ParseKind("mikrotik-netwatch", "mikrotik", "GET /rest/tool/netwatch", _kind(edge_parser.parse_netwatch)),
    ParseKind("mikrotik-ping", "mikrotik", "POST /rest/ping {address, count}", _kind(edge_parser.parse_ping)),
)
