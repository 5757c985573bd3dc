"""Simulated forecast history: one forecast run per hour of [start, end), through the real parser."""

from __future__ import annotations

from datetime import timedelta

import orjson

from homelake.sim.model.site import sample_times
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.openmeteo import parser
from homelake.sources.openmeteo.client import forecast_params
from homelake.sources.openmeteo.config import OpenMeteoFamily
from homelake.sources.openmeteo.simulator.payloads import render

COLLECTOR = "backfill"
RUN_EVERY = timedelta(hours=1)


def lay_history(ctx: HistoryContext) -> int:
    """Each hourly forecast run as the collector would have fetched it (2 forecast days, so runs overlap)."""
    site = ctx.site
    config = OpenMeteoFamily(latitude=site.latitude, longitude=site.longitude, timezone=site.timezone,
                             forecast_days=2, past_days=0)  # fmt: skip
    total_s = max(1.0, (ctx.end - ctx.start).total_seconds())
    rows = 0
    for t in sample_times(ctx.start, ctx.end, max(ctx.step, RUN_EVERY)):
        raw = orjson.dumps(render(forecast_params(config), t, site.seed))
        pctx = ParseContext("openmeteo", config.name, COLLECTOR, t, t, ctx.local_tz)
        rows += ctx.store([parser.parse_weather(orjson.loads(raw), pctx)], "openmeteo", config.name)
        if ctx.progress is not None:
            ctx.progress(min(1.0, (t - ctx.start).total_seconds() / total_s))
    return rows
