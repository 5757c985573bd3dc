"""The simulated switch's SNMP agent over real UDP on loopback, read by our target (pysnmp): every port, the
forwarding table, 64-bit counters on v2c only, a 32-bit wrap and a restart as the raw counters show them, and a
silent agent (stopped, or a wrong community) as a clear error, never a crash."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.sim.model.poe_switch import PORTS, PoeSwitch
from homelake.sim.model.site import build_site
from homelake.sources.base import FamilyContext, PollOutcome
from homelake.sources.swos.config import SwosFamily, SwosSwitch
from homelake.sources.swos.simulator import SnmpAgent, SwitchMib, SwitchSimServer
from homelake.sources.swos.snmp import SwosSnmpTimeout
from homelake.sources.swos.target import SwosTarget

pytestmark = pytest.mark.integration
SITE = build_site()
AT = SITE.start + timedelta(hours=5, minutes=7)
WRAP = 2**32


class Clock:
    """The simulators' clock, moved by the test only."""

    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def switch() -> PoeSwitch:
    return PoeSwitch(SITE)


@pytest.fixture
def web(switch: PoeSwitch, clock: Clock) -> Iterator[SwitchSimServer]:
    with SwitchSimServer(switch, password="pw", clock=clock) as server:
        yield server


@pytest.fixture
def agent(switch: PoeSwitch, clock: Clock) -> Iterator[SnmpAgent]:
    with SnmpAgent(SwitchMib(switch), community="c0mmunity", clock=clock) as server:
        yield server


def _poll(web: SwitchSimServer, port: int, *, community: str = "c0mmunity", version: str = "2c") -> PollOutcome:
    snmp = {"community": {"env": "UNUSED"}, "port": port, "version": version, "timeout_s": 0.3, "retries": 0}
    switch = SwosSwitch(name="css610", url=web.url, snmp=snmp)  # type: ignore[arg-type]
    family = FamilyContext(config=SwosFamily(), local_tz=ZoneInfo("Europe/Berlin"), interval_s=30, timeout_s=2,
                           collector="test")  # fmt: skip
    target = SwosTarget(switch, "pw", interval_s=30, timeout_s=2, family=family, community=community)

    async def run() -> PollOutcome:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    return asyncio.run(run())


def _rows(outcome: PollOutcome, dataset: str) -> list[dict[str, Any]]:
    return [row for result in outcome.results if result.dataset == dataset for row in result.rows]


def test_the_walk_returns_every_port_and_the_forwarding_table(web: SwitchSimServer, agent: SnmpAgent,
                                                              switch: PoeSwitch) -> None:  # fmt: skip
    outcome = _poll(web, agent.port)
    assert outcome.errors == []
    ports = {row["if_index"]: row for row in _rows(outcome, "swos/if_counters")}
    assert sorted(ports) == list(range(1, PORTS + 1))
    assert [ports[n]["if_name"] for n in sorted(ports)] == switch.port_names()
    traffic = agent.mib.traffic
    for n, row in ports.items():
        assert row["is_up"] == switch.link_up(n) and row["counter_bits"] == 32  # this agent has no HC counters
        assert row["in_octets"] == traffic.octets(n, "in", AT) % WRAP
        assert row["out_octets"] == traffic.octets(n, "out", AT) % WRAP
        assert row["uptime_s"] == switch.uptime_s(AT)
    assert ports[PORTS]["speed_mbps"] == 10_000 and ports[1]["speed_mbps"] == 100
    assert sum(row["in_errors"] for row in ports.values()) > 0 and ports[PORTS]["in_discards"] > 0
    fdb = {(row["mac"], row["if_index"]) for row in _rows(outcome, "swos/fdb")}
    assert fdb == set(switch.hosts(AT))


def test_v2c_reads_64_bit_counters_and_v1_the_32_bit_ones(web: SwitchSimServer, switch: PoeSwitch,
                                                          clock: Clock) -> None:  # fmt: skip
    with SnmpAgent(SwitchMib(switch, hc_counters=True), community="c0mmunity", clock=clock) as agent:
        wide, narrow = _poll(web, agent.port), _poll(web, agent.port, version="1")
    truth = agent.mib.traffic.octets(1, "in", AT)
    assert truth > WRAP  # the 64-bit counter holds what the 32-bit one lost
    [port1] = [r for r in _rows(wide, "swos/if_counters") if r["if_index"] == 1]
    assert (port1["counter_bits"], port1["in_octets"]) == (64, truth)
    [port1] = [r for r in _rows(narrow, "swos/if_counters") if r["if_index"] == 1]  # Counter64 is not in SNMPv1
    assert (port1["counter_bits"], port1["in_octets"]) == (32, truth % WRAP)


def test_a_32_bit_wrap_and_a_restart_show_in_the_raw_counters(web: SwitchSimServer, agent: SnmpAgent,
                                                               switch: PoeSwitch, clock: Clock) -> None:  # fmt: skip
    traffic = agent.mib.traffic
    # the first minute at which port 1's received-octets counter passes 2^32 after AT
    before = AT
    while traffic.octets(1, "in", before + timedelta(minutes=1)) // WRAP == traffic.octets(1, "in", before) // WRAP:
        before += timedelta(minutes=1)
    after = before + timedelta(minutes=1)
    counts = []
    for clock.now in (before, after):
        [port1] = [r for r in _rows(_poll(web, agent.port), "swos/if_counters") if r["if_index"] == 1]
        counts.append(port1["in_octets"])
    assert counts[1] < counts[0]  # wrapped: the increase is the new value plus 2^32 less the old
    assert counts[1] + WRAP - counts[0] == pytest.approx(traffic.bytes_between(1, "in", before, after), abs=1)

    switch.reboots.append(after + timedelta(seconds=30))  # the switch restarts: uptime and counters from zero
    clock.now = after + timedelta(minutes=1)
    rows = {r["if_index"]: r for r in _rows(_poll(web, agent.port), "swos/if_counters")}
    assert rows[1]["uptime_s"] == 30
    assert rows[1]["in_octets"] == pytest.approx(traffic.bytes_between(1, "in", after + timedelta(seconds=30),
                                                                       clock.now), abs=1)  # fmt: skip


def test_a_silent_agent_is_a_clear_error_and_the_web_data_still_lands(web: SwitchSimServer, agent: SnmpAgent) -> None:
    wrong = _poll(web, agent.port, community="guess")  # a v2c agent ignores a wrong community
    agent.stop()
    stopped = _poll(web, agent.port)
    for outcome in (wrong, stopped):
        [error] = outcome.errors
        assert isinstance(error, SwosSnmpTimeout)
        assert "no answer from 127.0.0.1" in str(error) and "community" in str(error)
        assert "guess" not in str(error) and "c0mmunity" not in str(error)
        assert _rows(outcome, "swos/poe") and not _rows(outcome, "swos/if_counters")


@pytest.mark.skipif(shutil.which("snmpwalk") is None, reason="Debian's snmp package (snmpwalk) is not installed")
def test_net_snmp_snmpwalk_reads_the_agent(agent: SnmpAgent, tmp_path: Path) -> None:
    """A client no one here wrote: net-snmp's snmpwalk, numeric OIDs, the IF-MIB's ifName column."""
    done = subprocess.run(  # noqa: S603 - a fixed argument list
        ["snmpwalk", "-v2c", "-c", "c0mmunity", "-On", "-t", "2", f"127.0.0.1:{agent.port}", "1.3.6.1.2.1.31.1.1.1.1"],  # noqa: S607
        capture_output=True, text=True, timeout=30, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.stdout.count(".1.3.6.1.2.1.31.1.1.1.1.") == PORTS
