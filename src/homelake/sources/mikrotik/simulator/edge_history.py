"""Simulated history of the firewall's probes: each step's pings to the probe targets, through the real parser."""

from __future__ import annotations

from homelake.sim.model.site import sample_times
from homelake.sim.model.uplink import PROBE_TARGETS
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.edge_collector import PING_COUNT
from homelake.sources.mikrotik.simulator.edge import ping

COLLECTOR = "backfill"


def lay_edge_history(ctx: HistoryContext) -> int:
    """Pings from every firewall of the site at start, start + step, ... < end; returns rows stored."""
    rows = 0
    for router in (r for r in ctx.site.routers if r.role == "firewall"):
        for t in sample_times(ctx.start, ctx.end, ctx.step):
            parse_ctx = ParseContext("mikrotik", router.name, COLLECTOR, t, t, ctx.local_tz)
            results = [
                edge_parser.parse_ping(ping(ctx.site, target, PING_COUNT, t), parse_ctx) for target in PROBE_TARGETS
            ]
            rows += ctx.store(results, "mikrotik", router.name)
    return rows
