"""Simulated inverter history: a poll every step through the real codec and parsers, energies between polls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homelake.sim.model.power import power_model
from homelake.sim.model.site import sample_times
from homelake.sources.base import HistoryContext, ParseContext, ParseResult
from homelake.sources.powmr import codec, parser
from homelake.sources.powmr.registers import load_map
from homelake.sources.powmr.simulator.values import words_at

COLLECTOR = "backfill"
INVERTER = "inverter"
MAX_GAP_S = 60.0
POLL_EVERY = timedelta(seconds=10)  # the inverter's own poll interval, whatever step the other families use


def lay_history(
    ctx: HistoryContext, outages: tuple[tuple[datetime, datetime], ...] = (), poll_every: timedelta = POLL_EVERY
) -> int:
    """Every poll of [start, end) as the 8851 frame the bridge would send, parsed and integrated; rows stored.
    Polls inside an outage (the bridge unreachable) are missing, so the interval across it is a marked gap."""
    model, register_map = power_model(ctx.site), load_map("inv8851")
    total_s = max(1.0, (ctx.end - ctx.start).total_seconds())
    previous: dict[str, Any] | None = None
    frames: dict[float, bytes] = {}  # the inverter's state is constant within a model cell: encode it once
    rows = 0
    for t in sample_times(ctx.start, ctx.end, poll_every):
        if any(a <= t < b for a, b in outages):
            continue
        cell_start = model.cell(t).start
        raw = frames.get(cell_start)
        if raw is None:
            frames.clear()
            words = words_at(model, register_map, t)
            raw = codec.encode([(w - 0x10000 if w & 0x8000 else w) for w in (words.get(i, 0) for i in range(72))])
            frames[cell_start] = raw
        pctx = ParseContext("powmr", INVERTER, COLLECTOR, t, t, ctx.local_tz)
        status = parser.parse_8851(raw, pctx, register_map, "generator")
        results = [status]
        if previous is not None:
            energy = parser.energy_row(previous, status.rows[0], max(MAX_GAP_S, 3 * poll_every.total_seconds()))
            if energy is not None:
                results.append(ParseResult(parser.ENERGY, [energy]))
        previous = status.rows[0]
        rows += ctx.store(results, "powmr", INVERTER)
        if ctx.progress is not None:
            ctx.progress(min(1.0, (t - ctx.start).total_seconds() / total_s))
    return rows
