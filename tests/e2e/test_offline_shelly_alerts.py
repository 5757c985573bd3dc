"""E2E: a metering Shelly of the site goes offline for hours (the first simulated offline window of its week).
Health lists it as failing from its first missed poll, the Overview counts it, the room's day is incomplete with
its coverage, and one alert reaches a local webhook and MQTT; when the device returns, the next transform closes
it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
import time_machine

from homelake.alerts.engine import evaluate_after_build, state_path
from homelake.alerts.store import Alert, AlertStore
from homelake.cli.transform import run_transform
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.settings import Settings, parse_settings
from homelake.sim.model.loads import load_model
from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.shelly.simulator.fleet import ShellyFleet
from homelake.sources.shelly.target import ShellyTarget
from homelake.testing.clock import ManualClock
from homelake.testing.mosquitto import Mosquitto
from homelake.warehouse.query import connect_readonly
from tests.alerts.receiver import WebhookReceiver
from tests.alerts.test_delivery import retained
from tests.pinned_time import clock_from
from tests.web.conftest import client_for

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
SITE_START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # the energy week's site: same offline windows
POLL = timedelta(minutes=5)
WEEK = timedelta(days=7)


@dataclass
class Run:
    settings: Settings
    hook: WebhookReceiver
    broker: Mosquitto
    offline: tuple[datetime, datetime]
    device_id: str
    day: datetime  # local midnight (UTC) of the outage's day: the polls run from here
    pages: dict[str, str] = field(default_factory=dict)  # page -> HTML, read during the outage
    alerts_during: list[Alert] = field(default_factory=list)
    posts_during: list[dict[str, Any]] = field(default_factory=list)
    mqtt_during: dict[str, dict[str, Any]] = field(default_factory=dict)
    failing_during: list[tuple[Any, ...]] = field(default_factory=list)


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with connect_readonly(settings.warehouse.path) as con:
        return con.execute(sql).fetchall()


async def _poll(poller: Poller, fleet: ShellyFleet, clock: ManualClock, until: datetime,
                traveller: time_machine.Coordinates) -> None:  # fmt: skip
    """Poll every 5 simulated minutes up to `until`; the poller stamps health rows with the (moved) wall clock."""
    while clock.t + POLL <= until:
        clock.t += POLL
        traveller.move_to(clock.t)
        fleet.tick(clock.t)
        await poller.poll_once()


# The transform after the device returns rebuilds only what the assertions read, with everything it is built from
# (dbt is the slow part); the other marts keep the first, full build's tables.
REBUILD = "+power_daily_by_room +device_expectations +inventory +alerts"


async def _drive(
    made: Run, poller: Poller, fleet: ShellyFleet, clock: ManualClock, until: tuple[datetime, datetime]
) -> None:
    """Poll into the outage, transform (build, then alerts), read the pages; evaluate once more during the
    outage; poll on until the device is back, transform again. One event loop for the target's HTTP client."""
    settings = made.settings
    with time_machine.travel(clock.t, tick=False) as traveller:
        await _poll(poller, fleet, clock, until[0], traveller)
    await asyncio.to_thread(poller.writer.flush)
    with clock_from(clock.t):  # `homelake transform` on the simulated clock
        await asyncio.to_thread(run_transform, settings)
        made.pages = {page: client_for(settings).get(page).text for page in ("/health", "/")}
    with clock_from(clock.t + timedelta(minutes=10)):  # the alerts are evaluated again: nothing new is sent
        await asyncio.to_thread(evaluate_after_build, settings)
    made.posts_during = list(made.hook.posts)
    made.mqtt_during = await asyncio.to_thread(retained, made.broker.port)
    with AlertStore(state_path(settings)) as store:
        made.alerts_during = store.history()
    made.failing_during = _rows(settings, "select device, failing_since, last_error, is_failing "
                                          "from device_expectations order by device")  # fmt: skip
    with time_machine.travel(clock.t, tick=False) as traveller:
        await _poll(poller, fleet, clock, until[1], traveller)
    await asyncio.to_thread(poller.writer.flush)
    with clock_from(clock.t):
        await asyncio.to_thread(run_transform, settings, REBUILD)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("offline")
    site = build_site(7, start=SITE_START)
    # the week's first outage of an hour or more (which device it hits follows from the site's seed and catalogue)
    window = next(w for w in shelly_state(site).offline_windows(SITE_START, SITE_START + WEEK)
                  if w.end - w.start >= timedelta(hours=1))  # fmt: skip
    day = datetime.combine(window.start.astimezone(TZ).date(), datetime.min.time(), TZ).astimezone(UTC)
    mid_outage = window.start + (window.end - window.start) / 2
    back = window.end + timedelta(minutes=40)
    clock = ManualClock(day)
    with WebhookReceiver() as hook, Mosquitto(tmp / "broker") as broker:
        site.write_metadata_csv(tmp / "seeds" / "device_metadata.csv")
        load_model(site).write_circuits_csv(tmp / "seeds" / "circuits.csv")
        settings = parse_settings({
            "site": {"timezone": str(TZ)}, "lake": {"root": "lake"}, "warehouse": {"path": "warehouse/homelake.duckdb"},
            "metadata_csv": "seeds/device_metadata.csv", "mqtt": {"port": broker.port},
            "alerts": {"targets": [{"url": hook.url("json"), "name": "webhook"}], "rules": {"disk_used_pct": 100}},
        }, base=tmp)  # fmt: skip
        lake = LakeWriter(settings.lake.root, collector="e2e")
        lake.ensure_anchors(DATASETS.values())
        writer = BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)
        with ShellyFleet(site, clock=clock, port=0, timeout_delay_s=1.0) as fleet:
            [offline] = [d.device_id for d in fleet.state.devices if d.key == window.device]
            [device] = [d for d in fleet.devices() if d["device_id"] == offline]
            target = ShellyTarget(device["device_id"], device["url"], password=device.get("password"), local_tz=TZ,
                                  timeout_s=0.2, clock=clock)  # fmt: skip
            made = Run(settings, hook, broker, (window.start, window.end), device["device_id"], day)

            async def drive() -> None:
                try:
                    await _drive(made, Poller(target, writer, retries=0, jitter=0), fleet, clock, (mid_outage, back))
                finally:
                    await target.aclose()

            asyncio.run(drive())
        yield made


def test_health_lists_it_failing_from_the_first_missed_poll_and_overview_counts_it(run: Run) -> None:
    start, _ = run.offline
    first_missed = run.day + POLL * -(-(start - run.day) // POLL)  # the first poll at or after the device went offline
    [(device, failing_since, last_error, is_failing)] = run.failing_during
    assert (device, is_failing) == (f"shelly/{run.device_id}", True)
    assert failing_since == first_missed
    assert "127." in last_error  # the error names the address it tried
    health = run.pages["/health"].split('id="failing-devices"', 1)[1]
    assert f"<td>shelly/{run.device_id}</td>" in health
    assert f"{first_missed.astimezone(TZ):%Y-%m-%d %H:%M}" in health  # the dashboard shows site-local times
    assert 'id="failing-count">1<' in run.pages["/"]


def test_the_day_is_incomplete_with_its_coverage_and_the_gap_is_bridged(run: Run) -> None:
    start, end = run.offline
    rows = _rows(
        run.settings,
        f"""
        select hour_start_at, min(coverage), bool_or(is_bridged) from energy_hourly_by_circuit
        where device_id = '{run.device_id}' group by all order by 1""",  # noqa: S608 - a test's own id
    )
    inside = [(h, c, b) for h, c, b in rows if h >= start and h + timedelta(hours=1) <= end]
    before = [(h, c, b) for h, c, b in rows if h + timedelta(hours=1) <= start - timedelta(minutes=15)]
    assert inside and all(c == 0 and b for _, c, b in inside)  # whole hours of the outage: bridged, uncovered
    assert before and all(c == pytest.approx(1) and not b for _, c, b in before[1:])
    rooms = _rows(
        run.settings,
        f"""
        select room, coverage, is_complete, is_bridged from power_daily_by_room
        where local_date = '{run.day.astimezone(TZ).date()}'
            and room in (select room from energy_hourly_by_circuit where device_id = '{run.device_id}')""",
    )  # noqa: S608
    data_h = (end + timedelta(minutes=40) - run.day).total_seconds() / 3600  # polls ran from local midnight
    gap_h = (end - start).total_seconds() / 3600
    assert rooms  # the device's rooms (only it was polled, so their circuits are its channels)
    for room, coverage, is_complete, is_bridged in rooms:
        assert not is_complete and is_bridged, room
        # covered: the hours with data, less the outage (within a poll either side of the gap)
        assert coverage * 24 == pytest.approx(data_h - gap_h, abs=0.35), room


def test_one_alert_reaches_the_webhook_and_mqtt_once_then_closes(run: Run) -> None:
    key = f"collector_failing/shelly/{run.device_id}"
    [opened] = run.posts_during  # two builds during the outage, one notification
    assert opened["title"] == f"Collector failing: shelly/{run.device_id}"
    assert "Open since" in opened["message"]
    assert run.mqtt_during[f"homelake/alerts/{key}"]["state"] == "open"
    [alert] = run.alerts_during
    assert alert.key == key and alert.closed_at is None and alert.notify_count == 1
    # the device came back: the next transform closed it, told the webhook once and changed the retained state
    assert [p["title"] for p in run.hook.posts] == [opened["title"], f"Resolved: {opened['title']}"]
    assert retained(run.broker.port)[f"homelake/alerts/{key}"]["state"] == "closed"
    with AlertStore(state_path(run.settings)) as store:
        [closed] = store.history()
        assert store.pending() == []
    assert closed.closed_at is not None and closed.closed_at > run.offline[1]


def test_the_alert_history_is_data(run: Run) -> None:
    """Every change landed in the lake (homelake/alert_events); the `alerts` mart of the transform after the
    device returned holds the alert as opened during the outage (the close lands with that transform's rules)."""
    key = f"collector_failing/shelly/{run.device_id}"
    glob = run.settings.lake.root / "raw" / "homelake" / "alert_events" / "*" / "*.parquet"
    with duckdb.connect() as con:
        events = con.execute(
            f"select key, event, opened_at, closed_at from read_parquet('{glob}') order by observed_at"
        )
        landed = events.fetchall()
    [(k1, e1, opened_at, _), (k2, e2, opened_again, closed_at)] = landed
    assert (k1, e1, k2, e2) == (key, "opened", key, "closed") and opened_again == opened_at
    assert closed_at is not None and closed_at > run.offline[1]
    [(mart_key, mart_opened, is_open)] = _rows(run.settings, "select alert_key, opened_at, is_open from alerts")
    assert (mart_key, mart_opened, is_open) == (key, opened_at, True)
