"""Simulated switch history: every `.b` answer over a time range, written and read back as the collector does."""

from __future__ import annotations

from datetime import datetime, timedelta

from homelake.sim.model.poe_switch import PoeSwitch
from homelake.sim.model.site import sample_times
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.swos import bformat
from homelake.sources.swos.simulator.payloads import ENDPOINTS
from homelake.sources.swos.target import ENDPOINTS as PARSERS

COLLECTOR = "backfill"
SWITCH_NAME = "css610"
FAST = "/poe.b"  # every step; the ports, host table and system change slowly: every SLOW_EVERY
SLOW_EVERY = timedelta(minutes=15)


def lay_history(ctx: HistoryContext) -> int:
    """Every poll of the site's switch in [start, end) through the wire format and the real parsers."""
    switch = PoeSwitch(ctx.site)
    total_s = max(1.0, (ctx.end - ctx.start).total_seconds())
    rows, slow_at = 0, datetime.min.replace(tzinfo=ctx.start.tzinfo)
    for t in sample_times(ctx.start, ctx.end, ctx.step):
        parse_ctx = ParseContext("swos", SWITCH_NAME, COLLECTOR, t, t, ctx.local_tz)
        results = []
        slow = t - slow_at >= SLOW_EVERY
        slow_at = t if slow else slow_at
        for path, render in ENDPOINTS.items():
            if path != FAST and not slow:
                continue
            _, parse = PARSERS[path.lstrip("/")]
            results.append(parse(bformat.loads(bformat.dumps(render(switch, t))), parse_ctx))
        rows += ctx.store(results, "swos", SWITCH_NAME)
        if ctx.progress is not None:
            ctx.progress(min(1.0, (t - ctx.start).total_seconds() / total_s))
    return rows
