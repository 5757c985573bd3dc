"""Shelly targets polled by the real runtime against the simulated fleet: rows and units in the lake, a
health row per poll, wrong passwords and offline devices reported without stopping the others."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH, Dataset
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import run_pollers
from homelake.sim.model.site import build_site
from homelake.sources.shelly.datasets import SHELLY_DEVICE_STATUS, SHELLY_SWITCH_READINGS
from homelake.sources.shelly.simulator import render_status
from homelake.sources.shelly.simulator.fleet import ShellyFleet
from homelake.sources.shelly.target import ShellyTarget

pytestmark = pytest.mark.integration
SITE = build_site(7)
NOW = SITE.start + timedelta(days=1, hours=3)  # every mains-powered device is up at this instant
PASSWORDS = {"shelly-pro4pm-utility": "Gen2-s3cret!", "shelly-plugs-kitchen": "Gen1-s3cret!"}
PRO4PM, PRO2PM, PLUG_S, SW25 = (
    "shellypro4pm-a8032ac2018f",
    "shellypro2pm-c8f09ea0634c",
    "shellyplug-s-8252C1",
    "shellyswitch25-FCC4E1",
)


@pytest.fixture(scope="module")
def fleet() -> Iterator[ShellyFleet]:
    with ShellyFleet(SITE, clock=lambda: NOW, port=0, passwords=PASSWORDS) as running:
        yield running


def target(fleet: ShellyFleet, device_id: str, password: str | None = None, **kw: Any) -> ShellyTarget:
    options: dict[str, Any] = {"interval_s": 0.5, "timeout_s": 1.0, "clock": lambda: NOW} | kw
    return ShellyTarget(device_id, fleet.servers[device_id].url, password=password, **options)


def rows(root: Path, dataset: Dataset, columns: str, where: str = "true") -> list[tuple[Any, ...]]:
    glob = layout.glob_pattern(root, dataset)
    sql = f"select {columns} from read_parquet('{glob}') where {where} order by all"
    return duckdb.connect().execute(sql).fetchall()


def poll_all(root: Path, targets: list[ShellyTarget], seconds: float = 1.2) -> list[Poller]:
    writer = BufferedLakeWriter(LakeWriter(root), max_age_s=0.2)
    pollers = [Poller(t, writer, jitter=0.0, retries=0) for t in targets]
    asyncio.run(run_pollers(pollers, writer, duration_s=seconds, install_signals=False))
    return pollers


def test_gen1_and_gen2_land_with_their_units(tmp_path: Path, fleet: ShellyFleet) -> None:
    targets = [
        target(fleet, PRO4PM, PASSWORDS["shelly-pro4pm-utility"]),
        target(fleet, PLUG_S, PASSWORDS["shelly-plugs-kitchen"]),
        target(fleet, SW25),
    ]
    poll_all(tmp_path, targets)
    readings = rows(tmp_path, SHELLY_SWITCH_READINGS, "device_id, channel, generation, model, energy_wh, observed_at")
    by_device = {(r[0], r[1]): r for r in readings}
    assert {key[0] for key in by_device} == {PRO4PM, PLUG_S, SW25}
    assert {ch for device, ch in by_device if device == PRO4PM} == {0, 1, 2, 3}
    assert {r[5] for r in readings} == {NOW}  # observed_at comes from the injected clock

    truth = render_status(SITE, "shelly-plugs-kitchen", NOW)
    plug = by_device[(PLUG_S, 0)]
    assert plug[2:4] == (1, "SHPLG-S")
    assert plug[4] == pytest.approx(truth["meters"][0]["total"] / 60)  # watt-minutes -> Wh
    gen2_truth = render_status(SITE, "shelly-pro4pm-utility", NOW)
    assert by_device[(PRO4PM, 2)][4] == pytest.approx(gen2_truth["switch:2"]["aenergy"]["total"])  # already Wh

    status = rows(tmp_path, SHELLY_DEVICE_STATUS, "distinct device_id, is_online, firmware")
    assert {s[0] for s in status} == {PRO4PM, PLUG_S, SW25} and all(s[1] is True for s in status)
    health = rows(tmp_path, COLLECTOR_HEALTH, "source, target, ok, error_class")
    assert {h[1] for h in health} == {PRO4PM, PLUG_S, SW25} and all(h[0] == "shelly" and h[2] for h in health)


def test_relay_mode_of_the_25_comes_from_settings(fleet: ShellyFleet) -> None:
    sw25 = target(fleet, SW25)

    async def go() -> None:
        try:
            await sw25.poll()
        finally:
            await sw25.aclose()

    asyncio.run(go())
    assert sw25.mode == "relay" and sw25.identity is not None and sw25.identity.generation == 1


def test_wrong_password_is_an_auth_error_health_row_without_the_secret(tmp_path: Path, fleet: ShellyFleet) -> None:
    wrong = "Wr0ng-but-secret"
    poll_all(tmp_path, [target(fleet, PRO4PM, wrong), target(fleet, PLUG_S, wrong), target(fleet, PRO2PM)])
    health = rows(tmp_path, COLLECTOR_HEALTH, "target, ok, error_class, error_message")
    failed = {h[0]: h for h in health if not h[1]}
    assert set(failed) == {PRO4PM, PLUG_S}
    assert {h[2] for h in failed.values()} == {"ShellyAuthError"}
    assert all("401" in h[3] and wrong not in h[3] for h in failed.values())
    assert any(h[0] == PRO2PM and h[1] for h in health)  # the unprotected one still polled
    assert not rows(tmp_path, SHELLY_SWITCH_READINGS, "device_id", f"device_id = '{PRO4PM}'")


def test_offline_device_is_a_failed_health_row_and_the_others_are_still_polled(
    tmp_path: Path, fleet: ShellyFleet
) -> None:
    server = fleet.servers[PRO2PM]
    server.faults.inject("timeout", None, "/rpc/Shelly.GetStatus")
    unreachable = ShellyTarget("shellyplus1pm-000000000000", "http://127.88.0.251:9", interval_s=0.5, timeout_s=0.5)
    try:
        pollers = poll_all(tmp_path, [target(fleet, PRO2PM, timeout_s=0.3), unreachable, target(fleet, SW25)], 2.0)
    finally:
        server.faults.clear()
    health = rows(tmp_path, COLLECTOR_HEALTH, "target, ok, error_class")
    classes = {h[0]: {c for t, _, c in health if t == h[0]} for h in health}
    assert classes[PRO2PM] == {"ShellyTimeout"} and classes[unreachable.name] == {"ShellyConnectError"}
    assert classes[SW25] == {None}
    assert sum(1 for h in health if h[0] == SW25) >= 2  # kept its interval while the others failed
    assert all(p.failures == p.polls for p in pollers if p.target.name != SW25)
    assert rows(tmp_path, SHELLY_SWITCH_READINGS, "count(*)", f"device_id = '{SW25}'")[0][0] >= 4


def test_default_clock_is_utc_now(fleet: ShellyFleet) -> None:
    plug = ShellyTarget(PRO2PM, fleet.servers[PRO2PM].url)

    async def go() -> datetime:
        try:
            outcome = await plug.poll()
        finally:
            await plug.aclose()
        return outcome.results[0].rows[0]["observed_at"]

    before = datetime.now(UTC)
    observed = asyncio.run(go())
    assert before <= observed <= datetime.now(UTC) and plug.is_transient(TimeoutError()) is False
