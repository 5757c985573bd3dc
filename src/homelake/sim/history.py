"""Simulated payloads over a time range (routers, Shelly polls, MQTT traffic), for laying down days of history
through the real parsers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from homelake.sim.mqtt_publish import iter_mqtt_messages as _iter_mqtt
from homelake.sim.shelly_state import shelly_state
from homelake.sim.site import Site, sample_times
from homelake.sources.mikrotik.simulator import render, router_paths
from homelake.sources.shelly.simulator import render_status


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


def iter_mqtt_messages(site: Site, start: datetime, end: datetime) -> Iterator[tuple[str, bytes, datetime]]:
    """(topic, payload, t) of every simulated MQTT message in [start, end), as a live broker would carry
    them with every device connecting at `start` (Shelly Gen1/Gen2 and Zigbee2MQTT)."""
    yield from _iter_mqtt(site, start, end)
