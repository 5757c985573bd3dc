"""Two simulated days of the power system and the weather: history through the real codec and parsers into a real
lake, a real dbt build, and the power marts against the simulator's truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.power import PowerModel, power_model
from homelake.sim.model.site import Site, build_site
from homelake.sources import openmeteo, powmr
from homelake.sources.openmeteo.simulator.payloads import truth
from homelake.sources.powmr.simulator.history import POLL_EVERY
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
DAYS = 2
FLOWS = ("pv", "load", "battery_charge", "battery_discharge", "generator")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path]]:
    site = build_site(7)
    root = tmp_path_factory.mktemp("power")
    writer = BufferedLakeWriter(LakeWriter(root / "lake", collector="backfill"), max_rows=50_000)
    backfill(site, writer, start=site.start, end=site.start + timedelta(days=DAYS), local_tz=site.tz,
             families=[powmr.SPEC, openmeteo.SPEC], mqtt=False)  # fmt: skip
    warehouse = root / "warehouse.duckdb"
    build_warehouse(lake_root=root / "lake", warehouse_path=warehouse, metadata_csv=None,
                    site_timezone=site.timezone, select="+path:models/marts/power")  # fmt: skip
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
    assert [d["is_complete"] for d in days] == [True] * DAYS
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
    end = site.start + timedelta(days=DAYS)
    expected = model.generator_runs(site.start, end)
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
    battery = query(warehouse, "select * from battery_daily order by local_date")
    for index, day in enumerate(battery):
        a, b = local_day(site, index)
        socs = [model.cell(a + timedelta(minutes=m)).soc * 100 for m in range(0, 1440)]
        assert day["soc_min_pct"] == pytest.approx(min(socs), abs=1.0)
        assert day["soc_max_pct"] == pytest.approx(max(socs), abs=1.0)
        assert day["equivalent_full_cycles"] == pytest.approx(
            model.energy_wh("battery_discharge", a, b) / 5000, rel=0.01
        )
    shares = query(warehouse, "select * from self_sufficiency_daily order by local_date")
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
