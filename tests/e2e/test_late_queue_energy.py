"""E2E: the ingester is stopped for two simulated hours while the Shellies publish (QoS 1, persistent session,
a real Mosquitto keeps the queue); restarted, it receives the whole queue at one moment. After the dbt build,
energy_hourly_by_circuit still holds each hour's energy in the hour it was used, as the load model says
(docs/adr/0013-device-time.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.ingester import Ingester
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.loads import load_model
from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.testing.broker import Mosquitto
from homelake.testing.clock import ManualClock
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
H0 = datetime(2026, 11, 3, 9, tzinfo=UTC)  # a Tuesday morning: people at home, loads changing hour by hour
START = H0 - timedelta(minutes=20)
DOWN_AT = H0 + timedelta(minutes=10)  # the ingester stops ...
UP_AT = DOWN_AT + timedelta(hours=2)  # ... and comes back two simulated hours later
HOURS = [H0, H0 + timedelta(hours=1), H0 + timedelta(hours=2)]  # each holds queued readings, H0+1h only those
END = HOURS[-1] + timedelta(hours=1, minutes=2)  # the last hour is read live to its end
STEP = timedelta(seconds=10)  # received_at is the virtual clock: a step is the most a live reading is late
# An interval between two readings is split over the hours it spans as if its load were steady, so the energy
# used within a reading period (a minute on Gen2, plus one step of receipt lag) of an hour's edges may
# land on the other side; beyond that, 1 % and 0.05 Wh of rounding.
EDGE = timedelta(seconds=60 + 10)
TOLERANCE = 0.01


def _wait(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.002)


def _ingester(port: int, lake: LakeWriter, clock: ManualClock) -> Ingester:
    cfg = MqttConfig(port=port, client_id="late-queue", batch_max_age_s=0.05, metrics=None)
    ingester = Ingester(cfg, lake, local_tz=TZ, clock=clock)
    ingester.start()
    _wait(lambda: ingester.metrics.connected, "the ingester did not connect")
    return ingester


def _run(sim: SimulatedSite, port: int, lake: LakeWriter, clock: ManualClock) -> dict[str, int]:
    """Tick the site from START to END; the ingester is away over [DOWN_AT, UP_AT)."""
    counts = {"live": 0, "queued": 0}
    ingester: Ingester | None = _ingester(port, lake, clock)
    expected = 0  # what the running ingester must have received before the clock moves on
    t = START
    try:
        while t < END:
            t += STEP
            clock.t = t
            if ingester is not None and DOWN_AT <= t < UP_AT:
                ingester.stop()  # writes and acknowledges what it has; the session stays on the broker
                ingester = None
            elif ingester is None and t >= UP_AT:
                ingester = _ingester(port, lake, clock)  # the whole queue arrives now, at this one receipt time
                expected = counts["queued"]
            published = sim.tick(t)
            if ingester is None:
                counts["queued"] += published
                continue
            counts["live"] += published
            expected += published
            _wait(lambda i=ingester, n=expected: i.metrics.received >= n, f"messages up to {t} were not received")
    finally:
        if ingester is not None:
            ingester.stop()
    return counts


@pytest.fixture(scope="module")
def late_queue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("late-queue")
    site = build_site(7, start=START)
    clock = ManualClock(START)
    lake = LakeWriter(tmp / "lake", collector="e2e")
    lake.ensure_anchors(DATASETS.values())
    with Mosquitto(tmp / "broker") as broker:
        sim = SimulatedSite(site, families=["shelly"], clock=clock, options={"shelly": {"port": 0}},
                            mqtt_host="127.0.0.1", mqtt_port=broker.port, tick_s=None)  # fmt: skip
        sim.start()
        try:
            counts = _run(sim, broker.port, lake, clock)
        finally:
            sim.stop()
    metadata = site.write_metadata_csv(tmp / "seeds" / "device_metadata.csv")
    load_model(site).write_circuits_csv(tmp / "seeds" / "circuits.csv")
    warehouse = tmp / "warehouse.duckdb"
    build_warehouse(lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=metadata,
                    site_timezone=str(TZ), select="+energy_hourly_by_circuit")  # fmt: skip
    con = connect_readonly(warehouse)
    try:
        hourly = con.execute("select device_id, channel, hour_start_at, energy_wh from energy_hourly_by_circuit")
        got = {(d, c, h.astimezone(UTC)): wh for d, c, h, wh in hourly.fetchall()}
        sources = con.execute(
            "select time_source, received_at between ? and ? as at_restart, count(*) "
            "from intermediate.int_energy_counter_observations group by all",
            [UP_AT, UP_AT + timedelta(seconds=1)],  # one clock reading: the receipts of a read differ by 1 µs each
        ).fetchall()
    finally:
        con.close()
    return {"site": site, "counts": counts, "got": got, "sources": sources}


def _steady_devices(site: Any) -> set[str]:
    """Device ids that published all along: no reboot, outage or offline spell from START to END."""
    state = shelly_state(site)
    troubled = {key for key, _ in state.reboots(START, END)}
    troubled |= {w.device for w in state.mqtt_outages(START, END) + state.offline_windows(START, END)}
    return {d.device_id for d in state.devices if d.key not in troubled}


def test_the_queue_was_delivered_at_one_receipt_and_placed_by_device_time(late_queue: dict[str, Any]) -> None:
    counts = late_queue["counts"]
    assert counts["queued"] > 1000 and counts["live"] > 1000, counts
    by_source = {(source, at_restart): n for source, at_restart, n in late_queue["sources"]}
    # the queued readings were received at the restart, and the device's clock placed them
    assert by_source.get(("device", True), 0) > 500, by_source
    # Gen1's bare `energy` topics carry no time: those queued readings keep the receipt time
    assert by_source.get(("collector", True), 0) > 0, by_source


def test_hourly_split_equals_the_truth_across_the_late_queue(late_queue: dict[str, Any]) -> None:
    model = load_model(late_queue["site"])
    truth = model.truth_energy_by_channel_hour(HOURS[0], HOURS[-1] + timedelta(hours=1))
    steady = _steady_devices(late_queue["site"])
    got = late_queue["got"]
    checked = 0
    for (device, channel, hour), want in sorted(truth.items()):
        if device not in steady or want < 0.3:  # noqa: PLR2004 - Gen1 standby channels (0.5 Wh an hour) count too
            continue
        have = got.get((device, channel, hour), 0.0)
        edges = sum(
            model.energy_wh((device, channel), at - EDGE, at + EDGE) for at in (hour, hour + timedelta(hours=1))
        )
        allowed = edges + TOLERANCE * want + 0.05
        assert abs(have - want) <= allowed, (
            f"{device}:{channel} {hour:%H:%M}Z: {have:.2f} vs {want:.2f} Wh (±{allowed:.2f})"
        )
        checked += 1
    assert checked >= 10, f"only {checked} channel-hours to compare"
