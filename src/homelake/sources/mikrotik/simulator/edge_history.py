"""Simulated history of the firewall's edge: each step's pings, Netwatch, connection table, DNS cache and IPv6
neighbour table, parsed."""

from __future__ import annotations

from datetime import datetime, timedelta

from homelake.sim.model.model import Router
from homelake.sim.model.site import sample_times
from homelake.sim.model.uplink import PROBE_TARGETS
from homelake.sources.base import HistoryContext, ParseContext, ParseResult
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.edge_collector import PING_COUNT
from homelake.sources.mikrotik.geoip import GEOIP_LOOKUPS, GeoIP
from homelake.sources.mikrotik.simulator.edge import (
    connections,
    dhcp_client,
    dns_cache,
    ipv6_neighbors,
    netwatch,
    ping,
)

COLLECTOR = "backfill"
# The connection table, DNS cache and IPv6 neighbours go every minute (the live collector's default interval),
# whatever the step of the pings: a connection that ends between two polls takes its bytes since the last one with it.
TABLES_EVERY = timedelta(minutes=1)


def _tables(ctx: HistoryContext, router: Router, t: datetime, geoip: GeoIP | None) -> list[ParseResult]:
    parse_ctx = ParseContext("mikrotik", router.name, COLLECTOR, t, t, ctx.local_tz)
    flows = edge_parser.parse_connections(connections(ctx.site, router, t), parse_ctx)
    results = [flows]
    if geoip is not None:  # as the collector does: each external address once, when first seen
        addresses = (row[k] for row in flows.rows for k in ("src_ip", "dst_ip", "reply_src_ip", "reply_dst_ip"))
        results.append(ParseResult(GEOIP_LOOKUPS.key, [parse_ctx.origin() | row for row in geoip.lookups(addresses)]))
    results.append(edge_parser.parse_dns_cache(dns_cache(ctx.site, router, t), parse_ctx))
    results.append(edge_parser.parse_ipv6_neighbors(ipv6_neighbors(ctx.site, router, t), parse_ctx))
    return results


def lay_edge_history(ctx: HistoryContext) -> int:
    """Pings, the DHCP client and the Netwatch entries of every firewall at start, start + step, ... < end, and
    its connection table, DNS cache and IPv6 neighbours every TABLES_EVERY (every step when that is longer); rows
    stored."""
    rows = 0
    config = ctx.config
    geoip = GeoIP(config.geoip) if config is not None and config.geoip is not None else None
    for router in (r for r in ctx.site.routers if r.role == "firewall"):
        for t in sample_times(ctx.start, ctx.end, ctx.step):
            parse_ctx = ParseContext("mikrotik", router.name, COLLECTOR, t, t, ctx.local_tz)
            results = [
                edge_parser.parse_ping(ping(ctx.site, target, PING_COUNT, t), parse_ctx) for target in PROBE_TARGETS
            ]
            for at in sample_times(t, min(t + ctx.step, ctx.end), min(TABLES_EVERY, ctx.step)):
                results.extend(_tables(ctx, router, at, geoip))
            results.append(edge_parser.parse_dhcp_client(dhcp_client(ctx.site, router, t), parse_ctx))
            results.append(edge_parser.parse_netwatch(netwatch(ctx.site, router, t), parse_ctx))
            rows += ctx.store(results, "mikrotik", router.name)
    return rows
