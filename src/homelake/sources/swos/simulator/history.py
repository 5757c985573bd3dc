"""Simulated switch history: every `.b` answer and SNMP walk over a time range, read back as the collector does."""

from __future__ import annotations

from datetime import datetime, timedelta

from homelake.sim.model.poe_switch import PoeSwitch
from homelake.sim.model.site import sample_times
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.swos import bformat
from homelake.sources.swos.mibs import FDB_COLUMNS, IF_COLUMNS, tabulate
from homelake.sources.swos.simulator.payloads import ENDPOINTS
from homelake.sources.swos.simulator.snmp_mib import SwitchMib
from homelake.sources.swos.snmp import plain
from homelake.sources.swos.snmp_parser import parse_fdb, parse_if_counters
from homelake.sources.swos.target import ENDPOINTS as PARSERS

COLLECTOR = "backfill"
SWITCH_NAME = "css610"
FAST = "/poe.b"  # every step; the ports, host table and system change slowly: every SLOW_EVERY
SLOW_EVERY = timedelta(minutes=15)


def lay_history(ctx: HistoryContext) -> int:
    """Every poll of the site's switch in [start, end) through the wire format and the real parsers; the SNMP
    walks as the simulated agent would answer them (32-bit counters, so they wrap within a day)."""
    switch = PoeSwitch(ctx.site)
    mib = SwitchMib(switch)
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
        walked = [(oid, plain(value)) for oid, value in mib.interfaces(t)]
        results.append(parse_if_counters(tabulate(walked, IF_COLUMNS), switch.uptime_s(t) * 100, parse_ctx))
        if slow:
            fdb = [(oid, plain(value)) for oid, value in mib.forwarding(t)]
            results.append(parse_fdb(tabulate(fdb, FDB_COLUMNS), parse_ctx))
        rows += ctx.store(results, "swos", SWITCH_NAME)
        if ctx.progress is not None:
            ctx.progress(min(1.0, (t - ctx.start).total_seconds() / total_s))
    return rows
