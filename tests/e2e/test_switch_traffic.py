"""E2E: the simulated switch's SNMP counters in the backfill (32-bit, wrapping every few hours, one restart) ->
lake -> dbt build -> `switch_port_traffic_hourly` equals the traffic model's bytes per port and hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from homelake.cli.transform import run_transform
from homelake.sim.demo.pipeline import DemoRun
from homelake.sim.model.poe_switch import PORTS, PoeSwitch
from homelake.sim.model.switch_traffic import SwitchTraffic
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
STEP = timedelta(minutes=5)
NOW = datetime(2025, 3, 12, 6, 0, tzinfo=UTC)  # pinned: the site starts 1.25 days before, at midnight UTC


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    demo = DemoRun(tmp_path_factory.mktemp("switch") / "site", days=1.25, now=NOW, families=("swos",))
    demo.start()
    try:
        demo.lay_history(step=STEP, mqtt=False)
    finally:
        demo.stop()
    run_transform(demo.settings, select="+switch_port_traffic_hourly")
    return demo


def _rows(demo: DemoRun) -> dict[tuple[int, datetime], tuple[Any, ...]]:
    con = connect_readonly(demo.settings.warehouse.path)
    try:
        rows = con.execute("select port_number, hour_start_at, in_bytes, out_bytes, has_counter_wrap, "
                           "has_counter_reset, counter_bits from switch_port_traffic_hourly "
                           "where device_id = 'css610'").fetchall()  # fmt: skip
    finally:
        con.close()
    return {(port, hour.astimezone(UTC)): rest for port, hour, *rest in rows}


def test_hourly_traffic_equals_the_models_bytes(demo: DemoRun) -> None:
    """Every port and hour within 1% of the truth; over the day within 1% too, though the interval the switch
    restarted in is lost (its counters start from zero), and 32-bit wraps were added back, never negative."""
    switch = PoeSwitch(demo.site)
    traffic = SwitchTraffic(switch)
    [reboot] = switch.reboots
    lost = reboot - STEP  # the poll interval the switch restarted in: its bytes before the restart are not counted
    got = _rows(demo)
    hours = [demo.site.start + timedelta(hours=h) for h in range(30)]
    assert {hour for _, hour in got} == set(hours)
    assert {port for port, _ in got} == set(range(1, PORTS + 1))
    day = {"in": [0.0, 0], "out": [0.0, 0]}
    for port in range(1, PORTS + 1):
        for hour in hours:
            in_bytes, out_bytes, _, has_reset, bits = got[port, hour]
            assert bits == 32 and in_bytes >= 0 and out_bytes >= 0
            assert has_reset == (hour == lost.replace(minute=0)), (port, hour)
            for direction, value in (("in", in_bytes), ("out", out_bytes)):
                end = min(hour + timedelta(hours=1), NOW - STEP)  # the history's last poll is a step before NOW
                truth = traffic.bytes_between(port, direction, hour, end)
                if hour == lost.replace(minute=0):
                    truth -= traffic.bytes_between(port, direction, lost, reboot)
                assert value == pytest.approx(truth, rel=0.01, abs=1), (port, hour, direction)
                if hour < demo.site.start + timedelta(days=1):
                    day[direction][0] += traffic.bytes_between(port, direction, hour, hour + timedelta(hours=1))
                    day[direction][1] += value
    for truth, measured in day.values():
        assert truth > 10**10 and measured == pytest.approx(truth, rel=0.01)
    wrapped = {port for (port, _), row in got.items() if row[2]}
    assert wrapped >= {p.port for p in switch.ports} | {PORTS}  # every busy port's 32-bit counter wrapped
