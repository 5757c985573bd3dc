"""Simulated journal history: every node's entries over a time range, through the live parser and filter."""

from __future__ import annotations

from datetime import datetime, timedelta

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.cluster_journal import ClusterJournal
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.journald.parser import EntryFilter, parse_entries
from homelake.sources.journald.simulator.export import entry_json

COLLECTOR = "backfill"
DEFAULT_FILTER = EntryFilter(5, ("k3s.service", "k3s-agent.service"))  # what the simulated site's config keeps


def lay_history(ctx: HistoryContext, keep: EntryFilter = DEFAULT_FILTER) -> int:
    """Each node's entries of [start, end), a day at a time, as the gateway would send them; returns rows stored."""
    journal = ClusterJournal(cluster_for(ctx.site.start, ctx.site.seed))
    rows = 0
    for node in journal.cluster.nodes:
        day_start = ctx.start
        while day_start < ctx.end:
            day_end = min(ctx.end, day_start + timedelta(days=1))
            entries = journal.entries(node, day_start, day_end)
            received: datetime = day_end
            parse_ctx = ParseContext("journald", node, COLLECTOR, received, received, ctx.local_tz)
            result, _ = parse_entries(b"".join(entry_json(e) for e in entries), parse_ctx, keep)
            rows += ctx.store([result], "journald", node)
            day_start = day_end
    if ctx.progress is not None:
        ctx.progress(1.0)
    return rows
