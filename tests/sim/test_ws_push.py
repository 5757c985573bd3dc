"""Gen2 devices push status notifications over an open WebSocket, as real ones do: aioshelly (Home
Assistant's library) sees a power change as it happens, without polling."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aioshelly.common import ConnectionOptions
from aioshelly.rpc_device import RpcDevice, RpcUpdateType

from homelake.sim.model.shelly_state import ShellyState
from homelake.sim.model.site import Site
from homelake.sources.shelly.gen2.simulator import render_gen2_status
from homelake.sources.shelly.gen2.websocket import push_frame, status_delta
from homelake.sources.shelly.simulator.fleet import ShellyFleet
from homelake.testing.clock import ManualClock

PRO4PM, PASSWORD = "shelly-pro4pm-utility", "s3cret-pw"
AT = timedelta(hours=40, minutes=3)  # the Pro 4PM is up, with loads on and off


def test_status_delta_sends_the_changed_fields_of_changed_components() -> None:
    old = {"sys": {"uptime": 10, "ram_free": 5}, "cloud": {"connected": False},
           "switch:0": {"id": 0, "output": True, "apower": 12.3, "current": 0.05,
                        "aenergy": {"total": 1.0, "by_minute": [1.0, 2.0, 3.0], "minute_ts": 60}}}  # fmt: skip
    new = {"sys": {"uptime": 15, "ram_free": 5}, "cloud": {"connected": False},
           "switch:0": {"id": 0, "output": True, "apower": 0.0, "current": 0.0,
                        "aenergy": {"total": 1.5, "by_minute": [1.0, 2.0, 3.0], "minute_ts": 60}},
           "input:0": {"id": 0, "state": False}}  # fmt: skip
    delta = status_delta(old, new)
    assert delta == {"sys": {"uptime": 15},
                     "switch:0": {"id": 0, "apower": 0.0, "current": 0.0,
                                  "aenergy": {"total": 1.5, "by_minute": [1.0, 2.0, 3.0], "minute_ts": 60}},
                     "input:0": {"id": 0, "state": False}}  # fmt: skip
    assert status_delta(new, new) == {} and status_delta({}, new) == new
    assert status_delta({"switch:0": {"id": 0, "x": 1}}, {"switch:0": {"id": 0, "x": 1, "y": None}}) == {
        "switch:0": {"id": 0, "y": None}
    }
    assert status_delta({"ble": {}}, {"ble": None}) == {"ble": None}


def test_push_frame_overlays_to_the_new_status() -> None:
    old = {"sys": {"uptime": 10}, "switch:0": {"id": 0, "apower": 5.0, "temperature": {"tC": 40.0, "tF": 104.0}}}
    new = {"sys": {"uptime": 12}, "switch:0": {"id": 0, "apower": 5.0, "temperature": {"tC": 41.0, "tF": 105.8}}}
    frame = push_frame(old, new, "dev", "client", 1700000000.123)
    assert frame == {"src": "dev", "dst": "client", "method": "NotifyStatus",
                     "params": {"ts": 1700000000.12, "sys": {"uptime": 12},
                                "switch:0": {"id": 0, "temperature": {"tC": 41.0, "tF": 105.8}}}}  # fmt: skip
    assert push_frame(new, new, "dev", "client", 1.0) is None
    gone = push_frame(old, {"sys": {"uptime": 12}}, "dev", "client", 1.0)  # an overlay cannot remove
    assert (
        gone is not None
        and gone["method"] == "NotifyFullStatus"
        and gone["params"] == {"ts": 1.0, "sys": {"uptime": 12}}
    )


@pytest.fixture(scope="module")
def clock(site: Site) -> ManualClock:
    return ManualClock(site.start + AT)


@pytest.fixture(scope="module")
def fleet(site: Site, clock: ManualClock) -> Iterator[ShellyFleet]:
    with ShellyFleet(site, clock=clock, port=0, passwords={PRO4PM: PASSWORD}) as fleet:
        yield fleet


def _power_change(state: ShellyState, t0: float) -> tuple[float, int]:
    """The first whole minute after t0 (device online) where a Pro 4PM switch's reported power changes."""
    dev = state.device(PRO4PM)
    before = render_gen2_status(state, dev, t0)
    for minutes in range(1, 24 * 60):
        t = t0 + 60 * minutes
        if state.offline_mode(dev, t) is not None:
            continue
        after = render_gen2_status(state, dev, t)
        for ch in range(dev.spec.outputs):
            if after[f"switch:{ch}"]["apower"] != before[f"switch:{ch}"]["apower"]:
                return t, ch
    raise AssertionError("no power change within a day")


async def _watch(fleet: ShellyFleet, state: ShellyState, clock: ManualClock,
                 t1: float) -> tuple[dict[str, Any], list[RpcUpdateType], dict[str, Any]]:  # fmt: skip
    """Connect as Home Assistant does, subscribe to updates, wait, move the clock to t1: the status
    aioshelly had, the updates while the clock stood still, and the status once a change was pushed."""
    dev = state.device(PRO4PM)
    host = fleet.servers[dev.device_id].host
    options = ConnectionOptions(host, "admin", PASSWORD, device_mac=dev.mac12, port=fleet.port)
    updates: list[RpcUpdateType] = []
    changed = asyncio.Event()

    def on_update(_: RpcDevice, kind: RpcUpdateType) -> None:
        updates.append(kind)
        if kind is RpcUpdateType.STATUS:
            changed.set()

    async with aiohttp.ClientSession() as session:
        device = await RpcDevice.create(session, None, options)
        try:
            await device.initialize()
            device.subscribe_updates(on_update)
            first = {k: dict(v) if isinstance(v, dict) else v for k, v in device.status.items()}
            await asyncio.sleep(0.3)  # the clock stands still: nothing changes, nothing is pushed
            quiet = list(updates)
            clock.t = datetime.fromtimestamp(t1, clock.t.tzinfo)
            await asyncio.wait_for(changed.wait(), timeout=5)
            return first, quiet, device.status
        finally:
            await device.shutdown()


@pytest.mark.integration
def test_aioshelly_gets_pushed_status_changes(site: Site, state: ShellyState, clock: ManualClock,
                                             fleet: ShellyFleet) -> None:  # fmt: skip
    dev, t0 = state.device(PRO4PM), clock().timestamp()
    t1, ch = _power_change(state, t0)
    assert fleet.servers[dev.device_id].push_interval_s <= t1 - t0
    first, quiet, pushed = asyncio.run(_watch(fleet, state, clock, t1))
    key = f"switch:{ch}"
    assert quiet == []
    assert first[key]["apower"] == render_gen2_status(state, dev, t0)[key]["apower"]
    assert pushed[key]["apower"] == render_gen2_status(state, dev, t1)[key]["apower"] != first[key]["apower"]
    assert pushed[key]["apower"] == pytest.approx(state.power_w(dev, ch, t1), abs=0.05)
    assert pushed.pop("ts") == t1  # aioshelly keeps the notification's ts in the status
    assert pushed == render_gen2_status(state, dev, t1)  # the overlay is what a fresh GetStatus would return
