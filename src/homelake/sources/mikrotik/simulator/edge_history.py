"""Simulated history of the firewall's edge: each step's pings, connection table and DNS cache, through the parsers."""

from __future__ import annotations

from datetime import timedelta

from homelake.sim.model.site import sample_times
from homelake.sim.model.uplink import PROBE_TARGETS
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.edge_collector import PING_COUNT
from homelake.sources.mikrotik.simulator.edge import connections, dhcp_client, dns_cache, ping

COLLECTOR = "backfill"
TABLES_EVERY = timedelta(minutes=15)  # the connection table and DNS cache; pings go every step


def lay_edge_history(ctx: HistoryContext) -> int:
    """Pings, connections and DNS cache of every firewall at start, start + step, ... < end; rows stored."""
    rows = 0
    for router in (r for r in ctx.site.routers if r.role == "firewall"):
        tables_at = ctx.start - TABLES_EVERY
        for t in sample_times(ctx.start, ctx.end, ctx.step):
            parse_ctx = ParseContext("mikrotik", router.name, COLLECTOR, t, t, ctx.local_tz)
            results = [
                edge_parser.parse_ping(ping(ctx.site, target, PING_COUNT, t), parse_ctx) for target in PROBE_TARGETS
            ]
            if t - tables_at >= TABLES_EVERY:  # cumulative counters: a coarser history loses no bytes
                tables_at = t
                results.append(edge_parser.parse_connections(connections(ctx.site, router, t), parse_ctx))
                results.append(edge_parser.parse_dns_cache(dns_cache(ctx.site, router, t), parse_ctx))
            results.append(edge_parser.parse_dhcp_client(dhcp_client(ctx.site, router, t), parse_ctx))
            rows += ctx.store(results, "mikrotik", router.name)
    return rows
