"""Simulated scrape history: every node's exposition over a time range, through the live parser."""

from __future__ import annotations

from datetime import timedelta

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.site import sample_times
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.prometheus.allow import AllowList
from homelake.sources.prometheus.parser import parse_text
from homelake.sources.prometheus.simulator.payloads import render

COLLECTOR = "backfill"
# prometheus_client's parser costs ~10 ms a scrape: history scrapes every half hour (live collection at its interval)
HISTORY_STEP = timedelta(minutes=30)


def lay_history(ctx: HistoryContext) -> int:
    """A scrape per node per step (at least HISTORY_STEP) of [start, end), default allow-list; returns rows stored."""
    cluster = cluster_for(ctx.site.start, ctx.site.seed)
    allow, rows = AllowList(), 0
    total_s = max(1.0, (ctx.end - ctx.start).total_seconds())
    for t in sample_times(ctx.start, ctx.end, max(ctx.step, HISTORY_STEP)):
        for node in cluster.nodes:
            state = cluster.state(node, t)
            if state is None:
                continue  # rebooting: the scrape fails, nothing lands
            parse_ctx = ParseContext("prometheus", node, COLLECTOR, t, t, ctx.local_tz)
            rows += ctx.store([parse_text(render(state), parse_ctx, allow)], "prometheus", node)
        if ctx.progress is not None:
            ctx.progress(min(1.0, (t - ctx.start).total_seconds() / total_s))
    return rows
