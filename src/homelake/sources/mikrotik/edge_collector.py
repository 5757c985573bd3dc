"""The edge part of a router poll: the firewall's connection table and DNS cache, the IPv6 neighbour table, and
router-run pings."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.errors import (
    MikrotikBadPayload,
    MikrotikError,
    MikrotikHTTPError,
    MikrotikNotAvailable,
)
from homelake.sources.mikrotik.geoip import GEOIP_LOOKUPS, GeoIP

PING_PATH = "/ping"
CONNECTIONS_PATH, DNS_CACHE_PATH = "/ip/firewall/connection", "/ip/dns/cache"
DHCP_CLIENT_PATH, NETWATCH_PATH = "/ip/dhcp-client", "/tool/netwatch"
IPV6_NEIGHBORS_PATH = "/ipv6/neighbor"
IPV6_NEIGHBOR_PROPLIST = "address,mac-address,interface,status,router"
# Only what the flow marts need: a 20k-entry table stays small on the wire.
CONNECTION_PROPLIST = ",".join((
    "protocol", "src-address", "dst-address", "src-port", "dst-port", "reply-src-address", "reply-dst-address",
    "tcp-state", "orig-bytes", "repl-bytes", "orig-packets", "repl-packets", "assured", "seen-reply", "srcnat",
    "dstnat", "timeout",
))  # fmt: skip
# The status and the last test's figures; never the up/down/test scripts, which may carry a webhook token.
NETWATCH_PROPLIST = ",".join((
    ".id", "host", "type", "status", "since", "comment", "disabled", "interval", "done-tests", "failed-tests",
    "loss-percent", "rtt-avg", "rtt-min", "rtt-max", "rtt-jitter", "rtt-stdev",
))  # fmt: skip
PING_COUNT = 3  # small on purpose: a probe, never a speed test


async def probe(client: MikrotikClient, make_ctx: Callable[[], ParseContext], outcome: PollOutcome) -> None:
    """`POST /rest/ping {address, count}` per probe target; a failed probe is an error, the others carry on.

    Every echo of the round carries the round's start as `observed_at`, so the targets of one round line up."""
    ctx = make_ctx()
    for target in client.router.probe_targets:
        try:
            response = await client.post(PING_PATH, {"address": target, "count": str(PING_COUNT)})
        except MikrotikBadPayload as exc:
            outcome.dead_letters.append((edge_parser.PINGS, str(exc), exc.raw))
            outcome.errors.append(exc)
            continue
        except MikrotikError as exc:
            outcome.errors.append(exc)
            continue
        try:
            outcome.results.append(edge_parser.parse_ping(response.data, ctx))
        except PayloadError as exc:
            outcome.dead_letters.append((edge_parser.PINGS, str(exc), response.raw))


async def tables(
    client: MikrotikClient, make_ctx: Callable[[], ParseContext], outcome: PollOutcome, geoip: GeoIP | None = None
) -> None:
    """The firewall's connection table (`.proplist`-limited), DNS cache, DHCP clients (the WAN's public address)
    and Netwatch entries, and the IPv6 neighbour table where the router polls it (by default the firewall); a
    router without one of them skips it (400 "no such command", or 404), and an empty table (no Netwatch
    configured) lands nothing.

    With `geoip`, each external address seen for the first time gets a `mikrotik/geoip_lookups` row."""
    menus: list[tuple[str, str, Callable[[object, ParseContext], ParseResult]]] = []
    if client.router.role == "firewall":
        menus += [
            (f"{CONNECTIONS_PATH}?.proplist={CONNECTION_PROPLIST}", edge_parser.CONNECTIONS,
             edge_parser.parse_connections),
            (DNS_CACHE_PATH, edge_parser.DNS_CACHE, edge_parser.parse_dns_cache),
            (DHCP_CLIENT_PATH, edge_parser.DHCP_CLIENT, edge_parser.parse_dhcp_client),
            (f"{NETWATCH_PATH}?.proplist={NETWATCH_PROPLIST}", edge_parser.NETWATCH, edge_parser.parse_netwatch),
        ]  # fmt: skip
    if client.router.polls_ipv6_neighbors:
        menus.append((f"{IPV6_NEIGHBORS_PATH}?.proplist={IPV6_NEIGHBOR_PROPLIST}", edge_parser.IPV6_NEIGHBORS,
                      edge_parser.parse_ipv6_neighbors))  # fmt: skip
    for path, dataset, parse in menus:
        try:
            response = await client.get(path)
        except MikrotikNotAvailable:
            continue
        except MikrotikHTTPError as exc:
            if exc.status != HTTPStatus.NOT_FOUND:
                outcome.errors.append(exc)
            continue
        except MikrotikBadPayload as exc:
            outcome.dead_letters.append((dataset, str(exc), exc.raw))
            outcome.errors.append(exc)
            continue
        except MikrotikError as exc:
            outcome.errors.append(exc)
            continue
        ctx = make_ctx()
        try:
            result = parse(response.data, ctx)
        except PayloadError as exc:
            outcome.dead_letters.append((dataset, str(exc), response.raw))
            continue
        outcome.results.append(result)
        if geoip is not None and dataset == edge_parser.CONNECTIONS:
            addresses = (row[k] for row in result.rows for k in ("src_ip", "dst_ip", "reply_src_ip", "reply_dst_ip"))
            rows = [ctx.origin() | found for found in geoip.lookups(addresses)]
            outcome.results.append(ParseResult(GEOIP_LOOKUPS.key, rows))
