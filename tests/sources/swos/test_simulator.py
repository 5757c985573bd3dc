"""The simulated CSS610 over real sockets: mikrotik-swos reads it unmodified, our target polls it (Digest, stale
nonces, a wrong password, a dead switch), and its history's PoE energy matches the model's truth."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import swos

from homelake.sim.model.poe_switch import PoeSwitch
from homelake.sim.model.site import Site, build_site
from homelake.sources.base import FamilyContext, HistoryContext, ParseResult
from homelake.sources.swos import SPEC
from homelake.sources.swos.client import SwosAuthError, SwosUnreachable
from homelake.sources.swos.config import SwosFamily, SwosSwitch
from homelake.sources.swos.simulator import SwitchSimServer
from homelake.sources.swos.target import SwosTarget

pytestmark = pytest.mark.integration
SITE = build_site()
AT = SITE.start + timedelta(hours=22)  # night: the cameras' IR is on


@pytest.fixture
def sim() -> Iterator[SwitchSimServer]:
    with SwitchSimServer(PoeSwitch(SITE), password="s3cret-pw", clock=lambda: AT) as server:
        yield server


def _target(url: str, password: str) -> SwosTarget:
    family = FamilyContext(config=SwosFamily(), local_tz=ZoneInfo("Europe/Berlin"), interval_s=30, timeout_s=2,
                           collector="test")  # fmt: skip
    return SwosTarget(SwosSwitch(name="css610", url=url), password, interval_s=30, timeout_s=2, family=family)


def _poll(target: SwosTarget) -> Any:
    async def run() -> Any:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    return asyncio.run(run())


def test_mikrotik_swos_reads_the_simulator_unmodified(sim: SwitchSimServer) -> None:
    switch = sim.switch
    system = swos.get_system_info(sim.url, "admin", "s3cret-pw")
    assert (system["model"], system["identity"], system["version"]) == ("CSS610-8P-2S+", "css610-poe", "2.18")
    assert system["mac_address"] == switch.mac
    poe = {p["port_number"]: p for p in swos.get_poe(sim.url, "admin", "s3cret-pw")}
    for port in switch.ports:
        assert poe[port.port]["poe_status"] == "powered on"
        assert poe[port.port]["poe_power_w"] == pytest.approx(switch.power_w(port, AT), abs=0.05)
    links = {p["port_number"]: p for p in swos.get_links(sim.url, "admin", "s3cret-pw")}
    assert [links[n]["port_name"] for n in sorted(links)] == switch.port_names()
    assert links[1]["speed"] == "100M" and links[10]["speed"] == "10G" and not links[5]["link_up"]
    hosts = {(h["mac_address"], h["port_number"]) for h in swos.get_hosts(sim.url, "admin", "s3cret-pw")}
    assert hosts == set(switch.hosts(AT))


def test_the_target_polls_every_endpoint_and_survives_a_stale_nonce(sim: SwitchSimServer) -> None:
    target = _target(sim.url, "s3cret-pw")

    async def twice() -> tuple[Any, Any]:
        try:
            first = await target.poll()
            sim.expire_nonces()  # the switch forgets its nonces: the client must take the new one
            return first, await target.poll()
        finally:
            await target.aclose()

    first, second = asyncio.run(twice())
    for outcome in (first, second):
        assert outcome.errors == [] and outcome.dead_letters == []
        by_dataset = {r.dataset: r for r in outcome.results}
        assert sorted(by_dataset) == ["swos/hosts", "swos/links", "swos/poe", "swos/system"]
        watts = {row["port"]: row["power_w"] for row in by_dataset["swos/poe"].rows}
        assert watts[1] == pytest.approx(sim.switch.power_w(sim.switch.ports[0], AT), abs=0.05)
    assert sim.requests == 8


def test_a_wrong_password_is_one_clear_error(sim: SwitchSimServer) -> None:
    outcome = _poll(_target(sim.url, "wrong"))
    assert outcome.results == [] and len(outcome.errors) == 1
    [error] = outcome.errors
    assert isinstance(error, SwosAuthError) and "check the switch's username and password" in str(error)
    assert "wrong" not in str(error) and not _target(sim.url, "x").is_transient(error)


def test_a_dead_switch_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = _target(f"http://127.0.0.1:{port}", "pw")
    outcome = _poll(target)
    assert len(outcome.errors) == 1 and isinstance(outcome.errors[0], SwosUnreachable)
    assert target.is_transient(outcome.errors[0])


def _lay(site: Site, hours: int, step_s: int) -> list[ParseResult]:
    stored: list[ParseResult] = []

    def store(results: Any, family: str, device: str) -> int:
        stored.extend(results)
        return sum(len(r.rows) for r in results)

    start = site.start - timedelta(hours=hours)
    SPEC.history(HistoryContext(site, store, start, site.start, timedelta(seconds=step_s), ZoneInfo("Europe/Berlin")))  # type: ignore[misc]
    return stored


def test_history_poe_energy_matches_the_truth_within_2_percent() -> None:
    hours, step_s = 6, 60
    results = _lay(SITE, hours, step_s)
    switch = PoeSwitch(SITE)
    energy_wh: dict[int, float] = {}
    for result in results:
        if result.dataset == "swos/poe":
            for row in result.rows:  # each sample holds until the next poll
                energy_wh[row["port"]] = energy_wh.get(row["port"], 0.0) + row["power_w"] * step_s / 3600
    for port in switch.ports:
        truth = switch.energy_wh(port, SITE.start - timedelta(hours=hours), SITE.start)
        assert energy_wh[port.port] == pytest.approx(truth, rel=0.02), port.device
        assert truth > 0
