"""E2E: simulated days of Shelly devices over real HTTP and a real Mosquitto, with reboots, an MQTT
outage and a device offline for hours → lake → dbt build → power_daily_by_room == the load model's truth, and
the Shelly EM on the power system (generator line, inverter output) → energy_meter_daily == the power model's, and
meter_crosscheck_daily finds the EM and the inverter in agreement on every complete day.

The window is the first three days of the site's week: they hold every hard case (reboots, a 2.5-hour MQTT outage,
a meter offline for four hours) at 3/7 of the cost; test_the_week_contains_the_hard_cases checks that they still
do."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from homelake.lake import layout
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.ingester import Ingester
from homelake.runtime.poller import Poller
from homelake.sim.demo.backfill import store_results
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.loads import load_model
from homelake.sim.model.power import power_model
from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources import dataset as get
from homelake.sources.base import HistoryContext
from homelake.sources.powmr.simulator.history import POLL_EVERY as INVERTER_POLL
from homelake.sources.powmr.simulator.history import lay_history as lay_inverter_history
from homelake.sources.shelly.target import ShellyTarget
from homelake.testing.broker import Mosquitto
from homelake.testing.clock import ManualClock
from homelake.warehouse.publish import DEFAULT_PROJECT_DIR, build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # a Monday, local midnight
DAYS = 3
# Virtual time advances in 10 s steps: the ingester stamps received_at from the virtual clock, so a
# coarser step would shift MQTT readings by up to a step across hour and day boundaries.
STEP = timedelta(seconds=10)
POLL_EVERY = 30  # steps: HTTP polls every 5 simulated minutes, MQTT as the devices publish


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("week")
    site = build_site(7, start=START)
    clock = ManualClock(START)
    lake = LakeWriter(tmp / "lake", collector="e2e")
    lake.ensure_anchors(DATASETS.values())
    with Mosquitto(tmp / "broker") as broker:
        ingester = Ingester(
            MqttConfig(port=broker.port, client_id="e2e-ingest", batch_max_age_s=0.2), lake, local_tz=TZ, clock=clock
        )
        ingester.start()
        sim = SimulatedSite(
            site, families=["shelly", "zigbee"], clock=clock, options={"shelly": {"port": 0}},
            mqtt_host="127.0.0.1", mqtt_port=broker.port, tick_s=None,
        )  # fmt: skip
        fleet = sim.simulators["shelly"].fleet  # type: ignore[attr-defined]
        writer = BufferedLakeWriter(lake, max_rows=50_000, max_age_s=3600)
        try:
            deadline = time.monotonic() + 10
            while not ingester.metrics.connected and time.monotonic() < deadline:
                time.sleep(0.05)
            sim.start()
            pollers = [
                Poller(
                    ShellyTarget(
                        d["device_id"], d["url"], password=d.get("password"), local_tz=TZ, timeout_s=0.5, clock=clock
                    ),
                    writer,
                    retries=0,
                )
                for d in fleet.devices()
            ]
            published = asyncio.run(_drive(sim, ingester, pollers, clock))
        finally:
            sim.stop()
            ingester.stop()
            writer.flush()
    # the inverter that feeds every circuit, over the same days (its own 10 s polls, through the 8851 codec)
    ctx = HistoryContext(site=site, store=partial(store_results, writer), start=START, end=START + timedelta(days=DAYS),
                         step=INVERTER_POLL, local_tz=TZ)  # fmt: skip
    lay_inverter_history(ctx)
    writer.flush()
    metadata = site.write_metadata_csv(tmp / "seeds" / "device_metadata.csv")
    load_model(site).write_circuits_csv(tmp / "seeds" / "circuits.csv")
    warehouse = tmp / "warehouse.duckdb"
    # only the energy models and their tests: the full project's build is the transform tests' business
    build_warehouse(
        lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=metadata, site_timezone=str(TZ),
        select="+power_daily_by_room +unmetered_load_hourly +energy_meter_daily +meter_crosscheck_daily",
    )  # fmt: skip
    return {
        "site": site,
        "lake": tmp / "lake",
        "warehouse": warehouse,
        "published": published,
        "ingested": ingester.metrics.written,
    }


async def _drive(sim: SimulatedSite, ingester: Ingester, pollers: list[Poller], clock: ManualClock) -> int:
    """Advance virtual time minute by minute: devices publish, the ingester drains, the collector polls."""
    published = 0
    steps = int(timedelta(days=DAYS) / STEP)
    for step in range(1, steps + 1):
        clock.t = START + step * STEP
        published += sim.tick(clock.t)
        # received_at comes from the virtual clock: wait until every message so far is in
        deadline = time.monotonic() + 30
        while ingester.metrics.received < published and time.monotonic() < deadline:
            await asyncio.sleep(0.0005)
        if step % POLL_EVERY == 0:
            await asyncio.gather(*(p.poll_once() for p in pollers))
        if step % 2160 == 0:  # progress every simulated 6 hours (shown with -s)
            print(f"simulated {clock.t:%Y-%m-%d %H:%M}Z published={published} ingested={ingester.metrics.written}")
    for p in pollers:
        await p.target.aclose()
    return published


def test_the_week_contains_the_hard_cases(week: dict) -> None:
    state = shelly_state(week["site"])
    end = START + timedelta(days=DAYS)
    assert state.reboots(START, end), "at least one metered device reboots"
    assert any(w.end - w.start >= timedelta(hours=1) for w in state.mqtt_outages(START, end))
    assert any(w.end - w.start >= timedelta(hours=1) for w in state.offline_windows(START, end))
    assert week["published"] > 10_000 and week["ingested"] >= week["published"]


def test_power_daily_by_room_matches_the_truth(week: dict) -> None:
    day0 = START.astimezone(TZ).date()
    truth = load_model(week["site"]).truth_energy_by_room_day(day0, day0 + timedelta(days=DAYS), TZ)
    con = connect_readonly(week["warehouse"])
    try:
        got = {
            (room, day): wh
            for day, room, wh in con.execute("select local_date, room, energy_wh from power_daily_by_room").fetchall()
        }
        negative = con.execute("select count(*) from intermediate.int_energy_intervals where energy_wh < 0").fetchall()
        resets = con.execute("select count(*) from intermediate.int_energy_intervals where is_reset").fetchall()
    finally:
        con.close()
    assert negative == [(0,)]
    assert resets[0][0] >= 1
    worst = []
    for (room, day), want in sorted(truth.items()):
        have = got.get((room, day), 0.0)
        err = abs(have - want) / want if want else abs(have)
        worst.append((err, room, day, have, want))
        assert err <= 0.005, f"{room} {day}: {have:.1f} Wh vs truth {want:.1f} Wh ({err:.2%})"
    rooms = {room for room, _ in truth}
    for room in rooms:
        want = sum(wh for (r, _), wh in truth.items() if r == room)
        have = sum(got.get((r, d), 0.0) for (r, d) in truth if r == room)
        assert abs(have - want) / want <= 0.001, f"{room} week: {have:.1f} vs {want:.1f}"
    print("worst room-days:", sorted(worst, reverse=True)[:3])


def test_http_alone_covered_the_mqtt_outage(week: dict) -> None:
    glob = layout.glob_pattern(week["lake"], get("shelly/switch_readings"))
    transports = dict(
        duckdb.connect().execute(f"select transport, count(*) from read_parquet('{glob}') group by 1").fetchall()
    )
    assert transports.get("http", 0) > 0 and transports.get("mqtt", 0) > 0


def test_unmetered_load_is_the_truth(week: dict) -> None:
    """The inverter's load minus every Shelly circuit it feeds: the load no circuit sees (the model's unmetered
    base load: router, fridge controller, the inverter's standby), over each day's complete hours within 2%. An hour
    alone is not that exact: a meter polled every 5 minutes spreads a load step over its reading interval, so energy
    moves between neighbouring hours on the circuits' side (the spread is printed)."""
    model = power_model(week["site"])
    con = connect_readonly(week["warehouse"])
    try:
        rows = con.execute("select hour_start_at, unmetered_load_wh, inverter_load_wh from unmetered_load_hourly "
                           "where is_complete order by 1").fetchall()  # fmt: skip
    finally:
        con.close()
    assert len(rows) >= DAYS * 24 * 0.8  # the MQTT outage and the offline meter leave some hours incomplete
    days: dict[object, list[float]] = {}
    hourly = []
    for hour, unmetered_wh, inverter_wh in rows:
        a = hour.astimezone(UTC)
        b = a + timedelta(hours=1)
        want = model.energy_wh("load", a, b) - model.energy_wh("metered_load", a, b)
        assert inverter_wh == pytest.approx(model.energy_wh("load", a, b), rel=0.01)
        hourly.append(abs(unmetered_wh - want) / want)
        day = days.setdefault(a.astimezone(TZ).date(), [0.0, 0.0, 0.0])
        day[0] += unmetered_wh
        day[1] += want
        day[2] += 1
    print(f"unmetered per hour: median error {sorted(hourly)[len(hourly) // 2]:.2%}, worst {max(hourly):.2%}")
    for day, (have, want, hours) in sorted(days.items()):
        print(f"unmetered {day}: {have:.1f} Wh vs truth {want:.1f} Wh over {hours} complete hours")
        if hours >= 12:
            assert have == pytest.approx(want, rel=0.02), day
    assert sum(1 for _, _, hours in days.values() if hours >= 12) >= DAYS


def test_energy_meter_matches_the_power_model(week: dict) -> None:
    """The Shelly EM, polled over HTTP and publishing over MQTT like every Shelly: per local day its generator
    clamp (channel 0) meters the power model's generator energy and its inverter-output clamp (channel 1) the load
    the inverter delivered, each within 1 %; nothing flows back through either; and neither channel is a room
    circuit, so no room and no hour of unmetered load counts them (they would double the metered load)."""
    site = week["site"]
    model, em = power_model(site), shelly_state(site).device("shelly-em-utility")
    con = connect_readonly(week["warehouse"])
    try:
        rows = con.execute(
            "select local_date, channel, kind, energy_kwh, returned_energy_kwh, coverage from energy_meter_daily "
            "where device_id = ? order by 1, 2",
            [em.device_id],
        ).fetchall()
        in_rooms = con.execute(
            "select count(*) from energy_hourly_by_circuit where device_id = ?", [em.device_id]
        ).fetchone()
        metered_max = con.execute("select max(metered_load_wh / inverter_load_wh) from unmetered_load_hourly "
                                  "where is_complete and inverter_load_wh > 0").fetchone()  # fmt: skip
    finally:
        con.close()
    assert in_rooms == (0,)
    assert metered_max is not None and metered_max[0] < 1.0  # the EM's output clamp is no circuit of the load
    day0 = START.astimezone(TZ).date()
    got = {(day, channel): (kind, kwh, returned, coverage) for day, channel, kind, kwh, returned, coverage in rows}
    generator_days = 0
    for offset in range(DAYS):
        day = day0 + timedelta(days=offset)
        a = datetime(day.year, day.month, day.day, tzinfo=TZ)
        b = a + timedelta(days=1)
        for channel, kind, flow in ((0, "generator", "generator"), (1, "inverter_output", "load")):
            want_kwh = model.energy_wh(flow, a, b) / 1000
            have_kind, have_kwh, returned_kwh, coverage = got[(day, channel)]
            print(f"EM {day} {kind}: {have_kwh:.3f} kWh vs power model {want_kwh:.3f} kWh (coverage {coverage:.3f})")
            assert have_kind == kind and returned_kwh == 0 and coverage > 0.99
            assert have_kwh == pytest.approx(want_kwh, rel=0.01), (day, kind)
        generator_days += model.energy_wh("generator", a, b) > 1000
    assert generator_days >= 1, "the window holds generator runs, so the generator clamp is really compared"


def test_meter_crosscheck_finds_the_em_and_the_inverter_agree(week: dict) -> None:
    """Two instruments on one wire: on every day the EM and the inverter both cover completely, its generator clamp
    against the inverter's generator energy and its output clamp against the inverter's load differ by no more than
    the project's tolerance (dbt vars meter_crosscheck_tolerance_pct, meter_crosscheck_floor_wh), so no row is
    disagreeing; each channel has complete days, and a day the generator ran is compared."""
    dbt_vars = yaml.safe_load((DEFAULT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    tolerance = dbt_vars["meter_crosscheck_tolerance_pct"] / 100
    floor_kwh = dbt_vars["meter_crosscheck_floor_wh"] / 1000
    em = shelly_state(week["site"]).device("shelly-em-utility")
    con = connect_readonly(week["warehouse"])
    try:
        rows = con.execute(
            "select local_date, kind, meter_kwh, inverter_kwh, difference_pct, is_complete, is_disagreeing "
            "from meter_crosscheck_daily where device_id = ? order by local_date, channel",
            [em.device_id],
        ).fetchall()
    finally:
        con.close()
    complete = [r for r in rows if r[5]]
    for day, kind, meter_kwh, inverter_kwh, pct, _, disagreeing in complete:
        print(f"crosscheck {day} {kind}: EM {meter_kwh:.3f} kWh vs inverter {inverter_kwh:.3f} kWh ({pct}%)")
        assert not disagreeing, (day, kind)
        assert meter_kwh == pytest.approx(inverter_kwh, rel=tolerance, abs=floor_kwh), (day, kind)
    assert {kind for _, kind, *_ in complete} == {"generator", "inverter_output"}
    assert sum(1 for r in complete if r[1] == "inverter_output") >= DAYS - 1
    assert any(r[1] == "generator" and r[3] > 1 for r in complete), "a generator day is compared"
