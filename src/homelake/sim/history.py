"""Simulated router payloads over a time range, for laying down days of history through the real parsers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from homelake.sim.site import Site, sample_times
from homelake.sources.mikrotik.simulator import render, router_paths


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
