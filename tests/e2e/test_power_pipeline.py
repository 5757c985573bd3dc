"""Two simulated days of the power system and the weather: history through the real codec and parsers into a real
lake, a real dbt build, and the power marts against the simulator's truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill, store_results
from homelake.sim.model.power import PowerModel, power_model
from homelake.sim.model.site import Site, build_site
from homelake.sources import DATASETS, openmeteo
from homelake.sources.base import HistoryContext
from homelake.sources.openmeteo.simulator.payloads import truth
from homelake.sources.powmr.simulator.history import POLL_EVERY, lay_history
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
DAYS = 2  # complete days; a third has an hour-long bridge outage
OUTAGE = (build_site(7).start + timedelta(days=2, hours=10), build_site(7).start + timedelta(days=2, hours=11))
# the power marts over the lake; unmetered_load_hourly (which needs the Shelly marts) has its dbt unit test
SELECT = " ".join(
    f"+{m}"
    for m in (
        "energy_flows_daily",
        "generator_runs",
        "battery_daily",
        "self_sufficiency_daily",
        "pv_performance_daily",
        "forecast_skill_daily",
    )
)
FLOWS = ("pv", "load", "battery_charge", "battery_discharge", "generator")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path]]:
    site = build_site(7)
    root = tmp_path_factory.mktemp("power")
    lake = LakeWriter(root / "lake", collector="backfill")
    lake.ensure_anchors(DATASETS.values())  # the other families' sources exist (empty), as on a new install
    writer = BufferedLakeWriter(lake, max_rows=50_000)
    end = site.start + timedelta(days=DAYS + 1)
    backfill(site, writer, start=site.start, end=end, local_tz=site.tz, families=[openmeteo.SPEC], mqtt=False)

    def store(results: Any, family: str, device: str) -> int:
        return store_results(writer, results, family, device)

    ctx = HistoryContext(site=site, store=store, start=site.start, end=end, step=POLL_EVERY, local_tz=site.tz)
    lay_history(ctx, outages=(OUTAGE,))
    writer.flush()
    warehouse = root / "warehouse.duckdb"
    build_warehouse(lake_root=root / "lake", warehouse_path=warehouse, metadata_csv=None,
                    site_timezone=site.timezone, select=SELECT)  # fmt: skip
    yield site, warehouse


def query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    with connect_readonly(warehouse) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def local_day(site: Site, day: int) -> tuple[datetime, datetime]:
    start = site.start.astimezone(site.tz) + timedelta(days=day)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def test_daily_energy_of_every_flow_is_the_truth_within_one_percent(built: tuple[Site, Path]) -> None:
    site, warehouse = built
    model = power_model(site)
    days = query(warehouse, "select * from energy_flows_daily order by local_date")
    assert [d["is_complete"] for d in days] == [True] * DAYS + [False]
    outage_day = days.pop()
    assert outage_day["coverage"] == pytest.approx(23 / 24, abs=0.001)  # the hour of the outage, never bridged
    assert outage_day["local_date"] == OUTAGE[0].astimezone(site.tz).date()
    for index, day in enumerate(days):
        a, b = local_day(site, index)
        assert day["local_date"] == a.astimezone(site.tz).date()
        for flow in FLOWS:
            column = f"{flow}_kwh"
            expected = model.energy_wh(flow, a, b) / 1000
            assert day[column] == pytest.approx(expected, rel=0.01), (day["local_date"], column)
        sources = day["pv_kwh"] + day["battery_discharge_kwh"] + day["generator_kwh"] + day["grid_import_kwh"]
        sinks = day["load_kwh"] + day["battery_charge_kwh"] + day["grid_export_kwh"]
        assert day["losses_kwh"] == pytest.approx(sources - sinks)
        assert day["losses_kwh"] == pytest.approx(model.energy_wh("losses", a, b) / 1000, abs=0.01 * day["load_kwh"])


def test_generator_runs_are_exact_to_one_poll(built: tuple[Site, Path]) -> None:
    site, warehouse = built
    model: PowerModel = power_model(site)
    end = site.start + timedelta(days=DAYS + 1)
    expected = [run for run in model.generator_runs(site.start, end) if not (run[0] < OUTAGE[1] and run[1] > OUTAGE[0])]
    assert len(expected) == len(model.generator_runs(site.start, end)), "move the outage off a run"
    runs = query(warehouse, "select * from generator_runs order by started_at")
    assert len(runs) == len(expected) >= 2
    for run, (on, off) in zip(runs, expected, strict=True):
        assert timedelta(0) <= run["started_at"] - on < POLL_EVERY
        if off >= end - POLL_EVERY:
            assert run["stopped_at"] is None  # still running at the last poll
            continue
        assert timedelta(0) <= run["stopped_at"] - off < POLL_EVERY
        assert run["energy_kwh"] == pytest.approx(model.energy_wh("generator", on, off) / 1000, rel=0.02)


def test_battery_and_self_sufficiency(built: tuple[Site, Path]) -> None:
    site, warehouse = built
    model = power_model(site)
    battery = query(warehouse, "select * from battery_daily where is_complete order by local_date")
    for index, day in enumerate(battery):
        a, b = local_day(site, index)
        socs = [model.cell(a + timedelta(minutes=m)).soc * 100 for m in range(0, 1440)]
        assert day["soc_min_pct"] == pytest.approx(min(socs), abs=1.0)
        assert day["soc_max_pct"] == pytest.approx(max(socs), abs=1.0)
        assert day["equivalent_full_cycles"] == pytest.approx(
            model.energy_wh("battery_discharge", a, b) / 5000, rel=0.01
        )
    shares = query(warehouse, "select * from self_sufficiency_daily where is_complete order by local_date")
    for index, day in enumerate(shares):
        a, b = local_day(site, index)
        minutes = [model.cell(a + timedelta(minutes=m)) for m in range(0, 1440)]
        on_ac = sum(c.load_w for c in minutes if c.generator_on) / 60 / 1000
        assert day["load_on_ac_input_kwh"] == pytest.approx(on_ac, rel=0.02)
        assert 0 < day["self_sufficiency"] < 1


def test_weather_hourly_is_what_happened(built: tuple[Site, Path]) -> None:
    site, warehouse = built
    hours = query(warehouse, "select * from weather_hourly where not is_forecast order by hour_start_at")
    assert len(hours) >= 24 * DAYS
    for hour in hours[:: len(hours) // 12]:
        actual = truth(site.seed, hour["hour_start_at"], site.latitude, site.longitude)
        assert hour["temperature_2m"] == actual["temperature_2m"]
        assert hour["global_tilted_irradiance"] == actual["global_tilted_irradiance"]


def test_pv_performance_ratio_against_the_plane_irradiation(built: tuple[Site, Path]) -> None:
    site, warehouse = built
    model = power_model(site)
    days = query(warehouse, "select * from pv_performance_daily where is_complete order by local_date")
    assert len(days) == DAYS
    for index, day in enumerate(days):
        a, _ = local_day(site, index)
        hours = [a + timedelta(hours=h + 1) for h in range(24)]  # each hourly value is the mean of the hour before
        irradiation = sum(truth(site.seed, t, site.latitude, site.longitude)["global_tilted_irradiance"] for t in hours)
        expected = model.energy_wh("pv", a, a + timedelta(days=1)) / (5.0 * irradiation)
        assert day["plane_irradiation_kwh_m2"] == pytest.approx(irradiation / 1000, rel=1e-6)
        assert day["performance_ratio"] == pytest.approx(expected, rel=0.01)
        assert 0.3 < day["performance_ratio"] <= 0.86  # at most the array's derate; less when PV is curtailed


def test_forecast_skill_by_lead_day(built: tuple[Site, Path]) -> None:
    _, warehouse = built
    rows = query(warehouse, "select * from forecast_skill_daily order by local_date, lead_day")
    assert {r["lead_day"] for r in rows} == {0, 1}
    for row in rows:
        assert row["forecast_hours"] >= row["runs"] > 0 and row["pv_mae_wh_per_hour"] is not None
        bound = 0.15 * (24 * (row["lead_day"] + 1)) ** 0.5  # the simulator's error grows with sqrt(lead hours)
        assert 0 < row["temperature_mae_c"] <= bound
