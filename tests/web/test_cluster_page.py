"""The Cluster page against the shared network run's warehouse: nodes, reboots, failing units, errors, disks."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration

WEEK = {"range": "7d"}  # the run's 1.5 days of history lie inside the last seven days


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with connect_readonly(settings.warehouse.path) as con:
        return con.execute(sql).fetchall()


def _table(text: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', text, re.S)
    assert found, f"no table {table_id}"
    return found.group(1)


def test_every_node_is_listed_with_its_reboots_and_the_struggling_ones_are_marked(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params=WEEK).text
    nodes = _table(text, "nodes")
    truth = _rows(demo_settings, "select node, count(*) from node_health_hourly group by node order by node")
    assert re.findall(r"<tr[^>]*>\s*<td>([^<]+)</td>", nodes) == [node for node, _ in truth] and truth
    reboots = dict(_rows(demo_settings, "select node, count(*) from node_reboots group by node"))
    assert reboots, "the 1.5 days hold pi1's reboot"
    for node, count in reboots.items():
        row = re.search(rf"<tr[^>]*>\s*<td>{node}</td>.*?</tr>", nodes, re.S)
        assert row and re.search(rf'<td class="num">{count}</td><td>', row.group(0))
    bad = "is_throttled or under_voltage_events > 0 or oom_kills_counted > 0"
    struggling = {n for (n,) in _rows(demo_settings, f"select distinct node from node_health_hourly where {bad}")}
    assert set(re.findall(r'<tr class="bad">\s*<td>([^<]+)</td>', nodes)) == struggling and struggling


def test_failing_units_show_their_last_error_lines(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params=WEEK).text
    failures = _table(text, "unit-failures")
    truth = _rows(demo_settings, "select node, unit, count(*) from unit_failures group by all")
    assert truth
    for node, unit, count in truth:
        assert re.search(rf"<td>{node}</td><td>{re.escape(unit)}</td><td class=\"num\">{count}</td>", failures)
    assert "rsync error" in failures and "Failed to start" in failures  # the error lines, decoded


def test_reboots_carry_their_boot_id_and_how_they_were_seen(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params=WEEK).text
    reboots = _table(text, "reboots")
    for node, boot_id, confirmed in _rows(demo_settings, "select node, boot_id, is_confirmed from node_reboots"):
        assert f"<td>{node}</td>" in reboots and boot_id[:12] in reboots and confirmed
    assert "metrics + journal" in reboots


def test_journal_error_rates_oom_kills_and_the_disk_forecast(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params=WEEK).text
    sources = _table(text, "error-sources")
    (worst,) = _rows(demo_settings, "select node, source, sum(entries) from journal_errors_hourly "
                     "group by all order by 3 desc, 1, 2 limit 1")  # fmt: skip
    node, source, entries = worst
    cells = rf'<td>{node}</td><td>{re.escape(source)}</td><td class="num">\d</td><td class="num">{entries:,}</td>'
    assert re.search(cells, sources)
    ooms = _table(text, "oom-kills")
    for node, process in _rows(demo_settings, "select node, process from oom_kills"):
        assert f"<td>{node}</td>" in ooms and f"<td>{process}</td>" in ooms
    disks = _table(text, "disks")
    filling = _rows(demo_settings, "select node, mountpoint from disk_full_forecast where full_at is not null")
    assert [node for node, _ in filling] == ["pi1"]
    assert re.search(r'<tr class="bad">\s*<td>pi1</td><td>/</td>', disks)  # fills within two weeks
    assert "not filling" in disks  # the other nodes' disks


def test_the_cluster_s_own_energy_is_the_master_s_plug(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params=WEEK).text
    energy = _table(text, "node-energy")
    sql = "select node, circuit, round(sum(energy_wh) / 1000, 3) from node_energy_daily group by all"
    ((node, circuit, kwh),) = _rows(demo_settings, sql)  # the demo meters one node
    assert (node, circuit) == ("k3s-master", "k3s_master") and kwh > 0
    assert re.search(rf'<td>k3s-master</td><td>k3s_master</td><td class="num">{kwh:,.3f} kWh</td>', energy)


def test_a_range_without_cluster_data_says_so(demo_settings: Settings) -> None:
    text = client_for(demo_settings).get("/cluster", params={"from": "2020-01-01", "to": "2020-01-07"}).text
    assert "No node metrics in this range." in text and "No systemd unit failed in this range." in text
    assert "No node rebooted in this range." in text and "No node is on a metered circuit in this range" in text


def test_a_warehouse_without_the_cluster_marts_says_what_is_missing(
    demo_settings: Settings, empty_settings: Settings
) -> None:
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        for table in ("node_health_hourly", "node_reboots", "unit_failures", "journal_errors_hourly", "oom_kills",
                      "disk_full_forecast", "node_energy_daily"):  # fmt: skip
            con.execute(f"drop table {table}")
    client = client_for(empty_settings)
    text = client.get("/cluster", params=WEEK).text
    assert "node_health_hourly is not in the warehouse yet" in text and "Traceback" not in text
    body = client.get("/api/charts/cluster_cpu", params=WEEK).json()
    assert body["empty"] and "node_health_hourly is not in the warehouse yet" in body["message"]


@pytest.mark.parametrize("name", ["cluster_cpu", "cluster_temperature", "cluster_journal_errors"])
def test_cluster_charts_have_a_line_per_node(demo_settings: Settings, name: str) -> None:
    body = client_for(demo_settings).get(f"/api/charts/{name}", params=WEEK).json()
    assert not body["empty"]
    assert {trace["name"] for trace in body["data"]} <= {"k3s-master", "pi1", "pi2"}
    if name != "cluster_journal_errors":  # every node has metrics; not every node logs errors
        assert {trace["name"] for trace in body["data"]} == {"k3s-master", "pi1", "pi2"}
