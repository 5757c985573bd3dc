"""Simulated Shelly poll history: every status poll that would have succeeded, parsed as the collector parses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import Site, sample_times
from homelake.sources.base import HistoryContext, ParseContext
from homelake.sources.shelly.gen1.parser import parse_gen1_status
from homelake.sources.shelly.gen2.parser import parse_gen2_status
from homelake.sources.shelly.simulator.server import render_shelly_info, render_status

COLLECTOR = "backfill"


def iter_shelly_http_payloads(
    site: Site, start: datetime, end: datetime, step: timedelta
) -> Iterator[tuple[datetime, str, str, Any]]:
    """(t, device id, path, payload) of every Shelly status poll that would succeed at start, start + step,
    ... < end: Gen1 `/status`, Gen2 `/rpc/Shelly.GetStatus` (devices that are offline or asleep are skipped).
    The `/shelly` identity of each device is `render_shelly_info(site, device_id)`."""
    state = shelly_state(site)
    for t in sample_times(start, end, step):
        ts = t.timestamp()
        for device in state.devices:
            if state.up(device, ts):
                path = "/status" if device.gen == 1 else "/rpc/Shelly.GetStatus"
                yield t, device.device_id, path, render_status(site, device, t)


def lay_history(ctx: HistoryContext) -> int:
    """Every status poll of [start, end) that would have succeeded, through the real parsers; rows stored."""
    infos: dict[str, dict[str, Any]] = {}
    rows = 0
    for t, device_id, _path, payload in iter_shelly_http_payloads(ctx.site, ctx.start, ctx.end, ctx.step):
        info = infos.setdefault(device_id, render_shelly_info(ctx.site, device_id))
        parse_ctx = ParseContext(
            family="shelly", device_id=device_id, collector=COLLECTOR, observed_at=t, received_at=t,
            local_tz=ctx.local_tz,
        )  # fmt: skip
        if "gen" in info:
            results = parse_gen2_status(payload, parse_ctx, device_info=info)
        else:
            results = parse_gen1_status(payload, parse_ctx, model=info.get("type"), firmware=info.get("fw"))
        rows += ctx.store(results, "shelly", device_id)
    return rows
