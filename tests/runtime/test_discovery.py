"""Pollers for discovered targets: added, kept, moved and removed between refreshes; and, end to end, a
Shelly that appears in the DHCP leases is polled on the next refresh without a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH, Dataset
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.discovery import DiscoveringPollers, run_discovering_pollers
from homelake.runtime.families import context, read_neighbours
from homelake.runtime.poller import Poller
from homelake.settings import parse_settings
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.base import PollOutcome, PollTarget
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from homelake.sources.shelly import SPEC
from homelake.sources.shelly.datasets import SHELLY_SWITCH_READINGS
from homelake.sources.shelly.discovery import ShellyDiscovery
from homelake.sources.shelly.simulator.fleet import ShellyFleet


@dataclass
class FakeTarget:
    name: str
    url: str
    source: str = "fake"
    interval_s: float = 0.05
    timeout_s: float = 0.5
    polls: int = 0
    closed: bool = False

    async def poll(self) -> PollOutcome:
        self.polls += 1
        return PollOutcome(self.name)

    def is_transient(self, exc: Exception) -> bool:
        return False

    async def aclose(self) -> None:
        self.closed = True


class Finder:
    """A discovery whose answer the test sets; remembers every target it handed out."""

    def __init__(self) -> None:
        self.now: list[tuple[str, str]] = []
        self.made: list[FakeTarget] = []

    async def __call__(self) -> Sequence[PollTarget]:
        targets = [FakeTarget(name, url) for name, url in self.now]
        self.made += targets
        return targets


def test_refresh_adds_keeps_moves_and_removes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    finder = Finder()
    writer = BufferedLakeWriter(LakeWriter(tmp_path))

    async def go() -> None:
        pollers = DiscoveringPollers(finder, lambda t: Poller(t, writer, jitter=0.0, retries=0))
        finder.now = [("a", "http://a"), ("b", "http://b"), ("a", "http://a-duplicate")]
        await pollers.refresh()
        first_a, first_b = pollers.running["a"].poller.target, pollers.running["b"].poller.target
        assert set(pollers.running) == {"a", "b"} and finder.made[2].closed  # duplicate name closed
        await asyncio.sleep(0.2)
        finder.now = [("a", "http://a"), ("b", "http://b-moved"), ("c", "http://c")]
        await pollers.refresh()
        assert pollers.running["a"].poller.target is first_a and finder.made[3].closed  # kept, copy closed
        assert pollers.running["b"].poller.target is not first_b and first_b.closed  # moved: new poller
        finder.now = [("c", "http://c")]
        await pollers.refresh()
        assert set(pollers.running) == {"c"} and first_a.closed
        assert isinstance(first_a, FakeTarget) and first_a.polls >= 2
        await pollers.close()
        assert pollers.running == {} and all(t.closed for t in finder.made)

    with caplog.at_level(logging.INFO, logger="homelake.runtime.discovery"):
        asyncio.run(go())
    lines = [r.getMessage() for r in caplog.records]
    assert "fake target added device=a url=http://a" in lines
    assert "fake target changed device=b url=http://b-moved" in lines
    assert "fake target removed device=a url=http://a" in lines


def test_a_failing_discovery_keeps_the_running_pollers(tmp_path: Path) -> None:
    finder = Finder()
    calls = 0

    async def flaky() -> Sequence[PollTarget]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("lake unreadable")
        return await finder()

    async def go() -> set[str]:
        writer = BufferedLakeWriter(LakeWriter(tmp_path))
        pollers = DiscoveringPollers(flaky, lambda t: Poller(t, writer, jitter=0.0, retries=0))
        finder.now = [("a", "http://a")]
        await pollers.refresh()
        await pollers.refresh()
        names = set(pollers.running)
        await pollers.close()
        return names

    assert asyncio.run(go()) == {"a"}


# --- end to end against the simulated fleet ---------------------------------------------------------
SITE = build_site(7)
NOW = SITE.start + timedelta(days=1, hours=3)
PRO2PM, PLUG_S, PLUS1PM = "shellypro2pm-c8f09ea0634c", "shellyplug-s-8252C1", "shellyplus1pm-fcb467394201"


@pytest.fixture(scope="module")
def fleet() -> Iterator[ShellyFleet]:
    with ShellyFleet(SITE, clock=lambda: NOW, port=0) as running:
        yield running


def lake_rows(root: Path, dataset: Dataset, sql: str) -> list[tuple[Any, ...]]:
    glob = layout.glob_pattern(root, dataset)
    return duckdb.connect().execute(sql.format(src=f"read_parquet('{glob}')")).fetchall()


def polled(root: Path) -> dict[str, int]:
    rows = lake_rows(root, COLLECTOR_HEALTH, "select target, count(*) from {src} where source = 'shelly' group by 1")
    return dict(rows)  # type: ignore[arg-type]


async def until(check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


@pytest.mark.integration
def test_a_new_shelly_in_dhcp_is_polled_without_a_restart_and_a_gone_one_is_dropped(
    tmp_path: Path, fleet: ShellyFleet, caplog: pytest.LogCaptureFixture
) -> None:
    devices = {d["device_id"]: d for d in fleet.devices()}
    lake = LakeWriter(tmp_path)
    lake.ensure_anchors(DATASETS.values())

    def leases(at: datetime, *device_ids: str) -> None:
        origin = {"received_at": at, "family": "mikrotik", "device_id": "fw", "collector": "test", "observed_at": at}
        rows = [
            origin | {"mac": devices[d]["mac"], "ip": devices[d]["lan_ip"], "active_ip": devices[d]["lan_ip"],
                      "hostname": d, "status": "bound"}
            for d in device_ids
        ]  # fmt: skip
        lake.write_rows(MIKROTIK_DHCP_LEASES, rows)

    settings = parse_settings(
        {
            "lake": {"root": str(tmp_path)},
            "collect": {"retries": 0, "jitter": 0},
            "shelly": {
                "interval_s": 0.3,
                "timeout_s": 1,
                "discovery": {"address_map": fleet.address_map, "port": fleet.port, "refresh_s": 0.3},
            },
        }
    )
    writer = BufferedLakeWriter(lake, max_rows=1)  # every row is written at once, so the test can read it
    t0 = NOW  # the leases' times only matter relative to each other: discovery's "now" is the newest lease
    leases(t0, PRO2PM, PLUG_S)

    finder = ShellyDiscovery(context(settings, SPEC), clock=lambda: NOW)

    async def discover() -> Sequence[PollTarget]:  # as the runtime asks it: the lake's newest leases
        return await finder(read_neighbours(tmp_path, MIKROTIK_DHCP_LEASES), [])

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(
            run_discovering_pollers(
                discover,
                writer,
                refresh_s=0.3,
                stop=stop,
                make_poller=lambda t: Poller(t, writer, jitter=0.0, retries=0),
            )
        )
        await until(lambda: {PRO2PM, PLUG_S} <= set(polled(tmp_path)))
        assert PLUS1PM not in polled(tmp_path)
        leases(t0 + timedelta(seconds=60), PLUS1PM)  # a new Shelly joins the network
        await until(lambda: PLUS1PM in polled(tmp_path))
        leases(t0 + timedelta(seconds=2000), PRO2PM, PLUS1PM)  # the plug's lease is gone for > 15 min
        await until(lambda: any(f"removed device={PLUG_S}" in r.getMessage() for r in caplog.records))
        await asyncio.sleep(0.2)  # a poll that was already in flight has landed
        plug_polls = polled(tmp_path)[PLUG_S]
        await asyncio.sleep(1.0)
        assert polled(tmp_path)[PLUG_S] == plug_polls  # no longer polled
        assert polled(tmp_path)[PLUS1PM] > 1
        stop.set()
        await asyncio.wait_for(loop, timeout=10)

    with caplog.at_level(logging.INFO, logger="homelake.runtime.discovery"):
        asyncio.run(go())
    added = [r.getMessage() for r in caplog.records if "target added" in r.getMessage()]
    assert f"shelly target added device={PLUS1PM} url={devices[PLUS1PM]['url']}" in added and len(added) == 3
    switch = lake_rows(tmp_path, SHELLY_SWITCH_READINGS, "select distinct device_id, observed_at from {src}")
    assert {d for d, _ in switch} == {PRO2PM, PLUG_S, PLUS1PM} and {t for _, t in switch} == {NOW}
