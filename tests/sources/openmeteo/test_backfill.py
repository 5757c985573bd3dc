"""The archive backfill against the simulated Open-Meteo over real HTTP, on a real lake and pinned simulated time:
a gap in the lake is filled from /v1/archive once, days the archive cannot have yet wait, an error body or a 429
keeps what the lake had and says why, and the day's call budget holds."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.sim.demo.backfill import store_results
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.base import HistoryContext
from homelake.sources.openmeteo.backfill import ArchiveBackfillTarget
from homelake.sources.openmeteo.config import OpenMeteoFamily
from homelake.sources.openmeteo.simulator.history import lay_history
from homelake.sources.openmeteo.simulator.payloads import truth
from homelake.sources.openmeteo.simulator.server import OpenMeteoSimServer
from homelake.testing.clock import ManualClock
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.integration
SITE = build_site(7)
D0 = (SITE.start + timedelta(days=12)).astimezone(SITE.tz).date()  # "today" of every test, site-local
TODAY_1PM = datetime.combine(D0, datetime.min.time(), SITE.tz).replace(hour=13).astimezone(UTC)


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def midnight(offset: int) -> datetime:
    return datetime.combine(day(offset), datetime.min.time(), SITE.tz).astimezone(UTC)


def lay(root: Path, *spans: tuple[datetime, datetime]) -> Path:
    """A lake with the hourly forecast runs the collector fetched in `spans` (and nothing between them)."""
    lake = LakeWriter(root, collector="backfill")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=100_000)
    for start, end in spans:
        ctx = HistoryContext(site=SITE, store=lambda results, family, device: store_results(writer, results, family,
                             device), start=start, end=end, step=timedelta(hours=1), local_tz=SITE.tz)  # fmt: skip
        lay_history(ctx)
    writer.flush()
    return root


@pytest.fixture(scope="module")
def gap_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collected for days, down for the two site-local days D0-5 and D0-4, collecting again since."""
    root = tmp_path_factory.mktemp("gap") / "lake"
    return lay(root, (midnight(-9), midnight(-5)), (midnight(-3), TODAY_1PM + timedelta(minutes=1)))


@pytest.fixture(scope="module")
def down_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collected until D0-2 began, down since."""
    return lay(tmp_path_factory.mktemp("down") / "lake", (midnight(-8), midnight(-2)))


@dataclass
class Rig:
    clock: ManualClock
    server: OpenMeteoSimServer
    lake: Path
    state: Path
    writer: BufferedLakeWriter

    def target(self, **extra: Any) -> ArchiveBackfillTarget:
        config = OpenMeteoFamily.model_validate({
            "latitude": SITE.latitude, "longitude": SITE.longitude, "timezone": SITE.timezone,
            "forecast_url": self.server.url, "archive_url": self.server.url, "backfill_days": 7,
            "archive_lag_days": 2, **extra,
        })  # fmt: skip
        return ArchiveBackfillTarget(config, local_tz=SITE.tz, timeout_s=5, collector="test", lake_root=self.lake,
                                     state_dir=self.state, clock=self.clock)  # fmt: skip

    async def poll(self, target: ArchiveBackfillTarget) -> bool:
        """One poll through the real poller: rows, dead letters and a health row in the lake."""
        ok = await Poller(target, self.writer, retries=0, collector="test").poll_once()
        self.writer.flush()
        return ok

    def rows(self, key: str, /, **where: object) -> list[dict[str, Any]]:
        files = sorted((self.lake / "raw" / key).glob("date=*/*.parquet"))
        rows = [row for file in files for row in pq.read_table(file).to_pylist()]
        return [row for row in rows if all(row.get(k) == v for k, v in where.items())]


def rig_for(lake: Path, tmp_path: Path) -> Iterator[Rig]:
    copy = tmp_path / "lake"
    shutil.copytree(lake, copy)
    clock = ManualClock(TODAY_1PM)
    server = OpenMeteoSimServer(SITE.seed, clock=clock).start()
    try:
        yield Rig(clock, server, copy, tmp_path / "state", BufferedLakeWriter(LakeWriter(copy, collector="test")))
    finally:
        server.stop()


@pytest.fixture
def gap(gap_lake: Path, tmp_path: Path) -> Iterator[Rig]:
    yield from rig_for(gap_lake, tmp_path)


@pytest.fixture
def down(down_lake: Path, tmp_path: Path) -> Iterator[Rig]:
    yield from rig_for(down_lake, tmp_path)


def run_polls(rig: Rig, polls: int = 1, **extra: Any) -> list[bool]:
    """`polls` polls of a fresh target (a collector start), closed after."""

    async def run() -> list[bool]:
        target = rig.target(**extra)
        try:
            return [await rig.poll(target) for _ in range(polls)]
        finally:
            await target.aclose()

    return asyncio.run(run())


def in_loop(rig: Rig, steps: Callable[[ArchiveBackfillTarget], Awaitable[None]], **extra: Any) -> None:
    async def run() -> None:
        target = rig.target(**extra)
        try:
            await steps(target)
        finally:
            await target.aclose()

    asyncio.run(run())


def test_a_two_day_gap_is_filled_from_the_archive_once(gap: Rig) -> None:
    assert run_polls(gap, polls=2) == [True, True]
    assert gap.server.archive_requests == [(day(-5).isoformat(), day(-4).isoformat())]  # one request, not two
    filled = gap.rows("openmeteo/weather", api="archive")
    hours = sorted(row["time"] for row in filled)
    assert hours == [midnight(-5) + timedelta(hours=h) for h in range(48)]
    for row in filled[::7]:
        actual = truth(SITE.seed, row["time"], SITE.latitude, SITE.longitude)
        assert row["temperature_2m"] == actual["temperature_2m"]
        assert row["global_tilted_irradiance"] == actual["global_tilted_irradiance"]
        assert row["issued_at"] == TODAY_1PM and row["device_id"] == "home"
    # a restart remembers (the state file), and a new install on the same lake sees the rows: no second fetch
    assert run_polls(gap) == [True]
    shutil.rmtree(gap.state)
    assert run_polls(gap) == [True]
    assert len(gap.server.archive_requests) == 1


def test_weather_hourly_has_no_gap_after_the_backfill(gap: Rig, tmp_path: Path) -> None:
    assert run_polls(gap) == [True]
    warehouse = tmp_path / "warehouse.duckdb"
    build_warehouse(lake_root=gap.lake, warehouse_path=warehouse, metadata_csv=None, site_timezone=SITE.timezone,
                    select="+weather_hourly")  # fmt: skip
    with connect_readonly(warehouse) as con:
        hours = con.execute(
            "select hour_start_at, api from weather_hourly where not is_forecast and hour_start_at >= ? "
            "and temperature_2m is not null order by hour_start_at",
            [midnight(-9)],
        ).fetchall()
    expected = int((TODAY_1PM - midnight(-9)).total_seconds() // 3600) + 1  # every hour up to this one
    assert [h for h, _ in hours] == [midnight(-9) + timedelta(hours=n) for n in range(expected)]
    archive = [h for h, api in hours if api == "archive"]
    assert archive == [midnight(-5) + timedelta(hours=n) for n in range(48)]


def test_days_the_archive_has_not_yet_wait_and_are_fetched_later(down: Rig) -> None:
    async def steps(target: ArchiveBackfillTarget) -> None:
        assert await down.poll(target) and await down.poll(target)
        # both days asked twice: the archive answered nulls past its reach, nothing was kept or marked done
        assert down.server.archive_requests == [(day(-2).isoformat(), day(-1).isoformat())] * 2
        assert down.rows("openmeteo/weather", api="archive") == []
        assert target.state.done == set()
        down.clock.t += timedelta(days=2)  # the archive's data now end at D0 13:00 (2 days before now)
        assert await down.poll(target)
        assert down.server.archive_requests[-1] == (day(-2).isoformat(), day(1).isoformat())
        assert target.state.done == {day(-2), day(-1)}  # D0 and D0+1 are not whole in the archive yet: later
        kept = {row["time"].astimezone(SITE.tz).date() for row in down.rows("openmeteo/weather", api="archive")}
        assert kept == {day(-2), day(-1)}

    in_loop(down, steps, archive_lag_days=0)


def test_an_error_body_keeps_the_lake_as_it_was_and_says_why(gap: Rig) -> None:
    before = len(gap.rows("openmeteo/weather"))
    gap.server.faults.inject("refused", 1, "/archive")

    async def steps(target: ArchiveBackfillTarget) -> None:
        assert not await gap.poll(target)
        assert len(gap.rows("openmeteo/weather")) == before  # the last good data stays, nothing half-written
        (health,) = gap.rows("homelake/collector_health", target="home/archive")
        assert health["ok"] is False and "out of allowed range" in health["error_message"]
        (dead,) = gap.rows("homelake/dead_letter", dataset="openmeteo/weather")
        assert b'"error":true' in dead["payload"] and "Open-Meteo refused the request" in dead["reason"]
        assert target.state.done == set()
        assert await gap.poll(target)  # the next poll fills the gap
        assert len(gap.rows("openmeteo/weather", api="archive")) == 48

    in_loop(gap, steps)


def test_a_429_waits_for_retry_after(gap: Rig) -> None:
    gap.server.faults.inject("rate_limited", 1, "/archive")

    async def steps(target: ArchiveBackfillTarget) -> None:
        assert not await gap.poll(target)
        assert target.state.not_before == TODAY_1PM + timedelta(seconds=OpenMeteoSimServer.RETRY_AFTER_S)
        (health,) = gap.rows("homelake/collector_health", target="home/archive")
        assert "HTTP 429" in health["error_message"]
        gap.clock.t += timedelta(seconds=30)
        assert await gap.poll(target)
        assert len(gap.server.archive_requests) == 1  # not asked again before Retry-After
        gap.clock.t += timedelta(seconds=31)
        assert await gap.poll(target)
        assert len(gap.server.archive_requests) == 2  # noqa: PLR2004 - the 429 and the one after Retry-After
        assert len(gap.rows("openmeteo/weather", api="archive")) == 48

    in_loop(gap, steps)


BUDGET: dict[str, Any] = {"archive_chunk_days": 1, "archive_daily_calls": 1.5}


def test_the_daily_call_budget_holds_across_polls_and_restarts(gap: Rig) -> None:
    # one day a request: 11 hourly variables weigh 1.1 calls each, and the budget allows one such call a day
    assert run_polls(gap, polls=2, **BUDGET) == [True, True]
    assert run_polls(gap, **BUDGET) == [True]  # a restart
    assert gap.server.archive_requests == [(day(-5).isoformat(),) * 2]
    gap.clock.t += timedelta(days=1)  # a new UTC day, a new budget
    assert run_polls(gap, **BUDGET) == [True]
    assert gap.server.archive_requests[1:] == [(day(-4).isoformat(),) * 2]
