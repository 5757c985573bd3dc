"""E2E: the cluster's own energy. Two simulated days of Shelly polls and node_exporter scrapes → lake → dbt →
node_energy_daily equals the load model's truth for the master node's plug, joined through node_circuits."""

from __future__ import annotations

import csv
from datetime import UTC, timedelta

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.cluster import NODES
from homelake.sim.model.loads import load_model
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS, prometheus, shelly
from homelake.sources.prometheus.simulator.seeds import write_node_circuits_csv
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
DAYS = 2


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("node-energy")
    site = build_site()  # starts at a site-local midnight
    start = site.start.astimezone(UTC)
    lake = LakeWriter(root / "lake", collector="backfill")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=50_000)
    backfill(site, writer, start=start, end=start + timedelta(days=DAYS), local_tz=site.tz,
             families=[shelly.SPEC, prometheus.SPEC], mqtt=False)  # fmt: skip
    metadata = site.write_metadata_csv(root / "seeds" / "device_metadata.csv")
    load_model(site).write_circuits_csv(root / "seeds" / "circuits.csv")
    write_node_circuits_csv(root / "seeds" / "node_circuits.csv")
    warehouse = root / "warehouse.duckdb"
    build_warehouse(lake_root=root / "lake", warehouse_path=warehouse, metadata_csv=metadata,
                    site_timezone=site.timezone, select="+node_energy_daily")  # fmt: skip
    with connect_readonly(warehouse) as con:
        rows = con.execute(
            "select node, local_date, circuit, energy_wh, avg_power_w, hour_count, cpu_busy_pct from node_energy_daily"
        ).fetchall()
    return {"site": site, "rows": rows, "seeds": root / "seeds"}


def test_the_demo_site_meters_one_node_and_says_which_circuit(built: dict) -> None:
    with (built["seeds"] / "node_circuits.csv").open() as handle:
        assert list(csv.DictReader(handle)) == [{"node": "k3s-master", "circuit": "k3s_master"}]
    assert [n.name for n in NODES if n.plug] == ["k3s-master"]


def test_node_energy_per_local_day_equals_the_truth(built: dict) -> None:
    site = built["site"]
    model = load_model(site)
    channel = model.channel(("shelly-plusplugs-rack", 0))
    first_day = site.start.astimezone(site.tz).date()
    got = {day: (node, circuit, wh, hours) for node, day, circuit, wh, _w, hours, _cpu in built["rows"]}
    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        start = site.start + timedelta(days=offset)  # the site's zone keeps one offset over these days
        want = model.energy_wh(channel, start, start + timedelta(days=1))
        node, circuit, wh, hours = got[day]
        assert (node, circuit, hours) == ("k3s-master", "k3s_master", 24)
        assert abs(wh - want) <= 0.005 * want, f"{day}: {wh:.1f} Wh vs truth {want:.1f} Wh"
    assert set(got) == {first_day + timedelta(days=d) for d in range(DAYS)}


def test_power_follows_the_node_and_sits_beside_its_cpu(built: dict) -> None:
    for node, _day, _circuit, _wh, avg_w, _hours, cpu in built["rows"]:
        spec = next(n for n in NODES if n.name == node)
        assert spec.idle_w < avg_w < spec.full_w and cpu is not None and 0 < cpu < 100
