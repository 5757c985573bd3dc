"""Simulated router history: every REST payload over a time range, parsed as the live collector parses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any

from homelake.sim.model.site import Site, sample_times
from homelake.sources.base import HistoryContext, ParseContext, ParseResult
from homelake.sources.mikrotik import parser
from homelake.sources.mikrotik.simulator.server import render, router_paths

COLLECTOR = "backfill"
WIFI_MENUS = {
    "/interface/wifi/registration-table": "wifi",
    "/interface/wifiwave2/registration-table": "wifiwave2",
    "/interface/wireless/registration-table": "wireless",
    "/caps-man/registration-table": "capsman",
}


def iter_router_payloads(
    site: Site, start: datetime, end: datetime, step: timedelta
) -> Iterator[tuple[datetime, str, str, Any]]:
    """(t, router name, REST path, payload) for every router and every menu it has, at start,
    start + step, ... < end. Menus a router lacks are skipped (the live server answers them with 400)."""
    paths = {router.name: router_paths(site, router.name) for router in site.routers}
    for t in sample_times(start, end, step):
        for router in site.routers:
            for path in paths[router.name]:
                yield t, router.name, path, render(site, router.name, path, t)


def _is_error(payload: object) -> bool:
    """A RouterOS error body (the simulated router lacks that menu): nothing to store."""
    return isinstance(payload, dict) and isinstance(payload.get("error"), int)


def parse_router_payloads(
    items: Iterator[tuple[datetime, str, str, Any]], local_tz: tzinfo
) -> Iterator[tuple[str, ParseResult]]:
    """Turn (time, router, path, payload) into (router, parse result), pairing resource with identity."""
    identities: dict[tuple[datetime, str], Any] = {}
    resources: dict[tuple[datetime, str], Any] = {}
    for t, router, path, payload in items:
        if _is_error(payload):
            continue
        ctx = ParseContext(
            family="mikrotik", device_id=router, collector=COLLECTOR, observed_at=t, received_at=t, local_tz=local_tz
        )
        if path == "/ip/dhcp-server/lease":
            yield router, parser.parse_leases(payload, ctx)
        elif path in WIFI_MENUS:
            yield router, parser.parse_wifi(payload, ctx, WIFI_MENUS[path])
        elif path == "/interface":
            yield router, parser.parse_interfaces(payload, ctx)
        elif path in ("/system/resource", "/system/identity"):
            (resources if path == "/system/resource" else identities)[(t, router)] = payload
            key = (t, router)
            if key in resources and key in identities:
                yield router, parser.parse_system(resources.pop(key), ctx, identities.pop(key))


def lay_history(ctx: HistoryContext) -> int:
    """Every router poll of [start, end) through the real parsers; returns rows stored."""
    total_s = max(1.0, (ctx.end - ctx.start).total_seconds())
    rows = 0
    for router, result in parse_router_payloads(
        iter_router_payloads(ctx.site, ctx.start, ctx.end, ctx.step), ctx.local_tz
    ):
        rows += ctx.store([result], "mikrotik", router)
        if ctx.progress is not None and result.rows:
            ctx.progress(min(1.0, (result.rows[0]["observed_at"] - ctx.start).total_seconds() / total_s))
    return rows
