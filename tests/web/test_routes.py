"""Dashboard routes against a warehouse built by the real pipeline: pages, charts, CSV, empty states."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from homelake.web.charts import CHARTS
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration

PAGES = ["/", "/inventory", "/energy", "/power", "/climate", "/network", "/people", "/cluster", "/health"]


def _a_device(settings: Settings, known: bool = True) -> str:
    with connect_readonly(settings.warehouse.path) as con:
        rows = con.execute("select mac from inventory where is_known = ? order by mac limit 1", [known]).fetchall()
    return rows[0][0]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(demo_settings: Settings, path: str) -> None:
    response = client_for(demo_settings).get(path)
    assert response.status_code == 200
    assert "<nav>" in response.text and "Traceback" not in response.text


def test_overview_counts_devices_and_lists_freshness(demo_settings: Settings) -> None:
    with connect_readonly(demo_settings.warehouse.path) as con:
        online, total = con.execute("select count(*) filter (where is_online), count(*) from inventory").fetchall()[0]
    text = client_for(demo_settings).get("/").text
    assert re.search(rf'id="online-count">{online}<small> / {total}<', text)
    assert "mikrotik/dhcp_leases" in text  # freshness per dataset


def test_inventory_lists_every_device_and_marks_unknown_ones(demo_settings: Settings) -> None:
    with connect_readonly(demo_settings.warehouse.path) as con:
        sql = "select count(*), count(*) filter (where not is_known) from inventory"
        total, unknown = con.execute(sql).fetchall()[0]
    text = client_for(demo_settings).get("/inventory").text
    assert text.count('href="/devices/') == total
    assert text.count('<tr class="unknown">') == unknown > 0


def test_inventory_search_narrows_and_sort_orders(demo_settings: Settings) -> None:
    client = client_for(demo_settings)
    mac = _a_device(demo_settings)
    narrowed = client.get("/inventory", params={"q": mac.upper()}).text
    assert narrowed.count('href="/devices/') == 1 and mac in narrowed
    by_mac = client.get("/inventory", params={"sort": "mac", "dir": "desc"}).text
    macs = re.findall(r'href="/devices/([0-9a-f:]{17})"', by_mac)
    assert macs == sorted(macs, reverse=True)


def test_device_page_shows_details_and_ip_history(demo_settings: Settings) -> None:
    mac = _a_device(demo_settings)
    client = client_for(demo_settings)
    text = client.get(f"/devices/{mac.upper().replace(':', '-')}").text
    assert mac in text and "IP history" in text and 'data-chart="device_signal"' in text
    assert client.get("/devices/not-a-mac").status_code == 404
    assert client.get("/devices/00:00:00:00:00:01").status_code == 404


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_answers_json_and_csv(demo_settings: Settings, name: str) -> None:
    client = client_for(demo_settings)
    params = {"range": "7d", "mac": _a_device(demo_settings)}
    body = client.get(f"/api/charts/{name}", params=params).json()
    assert body["name"] == name
    assert body["empty"] or body["data"], body
    if body["empty"]:
        assert body["message"]
    csv = client.get(f"/api/charts/{name}.csv", params=params)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0]  # a header row even when there are no rows


@pytest.mark.parametrize("name", ["wifi_clients", "wifi_signal", "interface_traffic"])
def test_network_charts_have_data(demo_settings: Settings, name: str) -> None:
    body = client_for(demo_settings).get(f"/api/charts/{name}", params={"range": "7d"}).json()
    assert not body["empty"] and body["data"][0]["x"]


def test_range_changes_the_chart_and_bad_ranges_are_refused(demo_settings: Settings) -> None:
    client = client_for(demo_settings)
    now = datetime.now(UTC).astimezone(demo_settings.tz).replace(tzinfo=None)
    week = client.get("/api/charts/wifi_clients", params={"range": "7d"}).json()
    hours = {"from": (now - timedelta(hours=3)).isoformat(timespec="minutes"), "to": now.isoformat(timespec="minutes")}
    short = client.get("/api/charts/wifi_clients", params=hours).json()
    assert 0 < short["rows"] < week["rows"]
    bad = client.get("/api/charts/wifi_clients", params={"from": "yesterday"})
    assert bad.status_code == 400 and "from=" in bad.json()["error"]
    assert client.get("/api/charts/wifi_clients", params={"from": "2024-05-02", "to": "2024-05-01"}).status_code == 400
    page = client.get("/network", params={"range": "1y"})
    assert page.status_code == 200 and "Ignored the range" in page.text


def test_missing_marts_show_an_empty_state(empty_settings: Settings) -> None:
    # a warehouse from before the energy and climate marts existed: only the inventory
    empty_settings.warehouse.path.parent.mkdir(parents=True)
    with duckdb.connect(str(empty_settings.warehouse.path)) as con:
        con.execute("create table inventory as select 'aa:bb:cc:dd:ee:ff' as mac")
    client = client_for(empty_settings)
    body = client.get("/api/charts/energy_daily").json()
    assert body["empty"] and "power_daily_by_room is not in the warehouse yet" in body["message"]
    assert "No energy data yet" in client.get("/energy").text
    assert "No climate data yet" in client.get("/climate").text
    people = client.get("/people").text
    assert "No presence data yet (presence_sessions is not in the warehouse yet)" in people
    assert "No door events yet (door_events is not in the warehouse yet)" in people
    assert client.get("/network").status_code == 200


def test_missing_health_marts_are_said_not_taken_for_all_is_well(
    demo_settings: Settings, empty_settings: Settings
) -> None:
    # a warehouse built before the health and freshness marts existed
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        for table in ("collector_targets", "dataset_freshness", "warehouse_build", "rpt_dead_letters_by_dataset"):
            con.execute(f"drop table {table}")
    client = client_for(empty_settings)
    overview = client.get("/").text
    assert "dataset_freshness is not in the warehouse yet" in overview and 'id="built-at"' not in overview
    health = client.get("/health").text
    assert "collector_targets is not in the warehouse yet" in health
    assert "rpt_dead_letters_by_dataset is not in the warehouse yet" in health
    assert "Nothing dead-lettered" not in health


def test_unknown_chart_is_404(demo_settings: Settings) -> None:
    assert client_for(demo_settings).get("/api/charts/inventory;drop").status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_no_warehouse_yet_is_an_empty_state(empty_settings: Settings, path: str) -> None:
    response = client_for(empty_settings).get(path)
    assert response.status_code == 200
    assert "No warehouse yet" in response.text


def test_charts_without_a_warehouse_are_empty(empty_settings: Settings) -> None:
    body = client_for(empty_settings).get("/api/charts/wifi_clients").json()
    assert body["empty"] and "homelake transform" in body["message"]


def test_next_request_sees_a_newly_published_warehouse(demo_settings: Settings, empty_settings: Settings) -> None:
    client = client_for(empty_settings)
    assert "No warehouse yet" in client.get("/inventory").text
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target.with_suffix(".tmp"))
    target.with_suffix(".tmp").replace(target)  # what `homelake transform` does: an atomic rename
    assert 'href="/devices/' in client.get("/inventory").text


def test_plotly_is_served_locally(demo_settings: Settings) -> None:
    response = client_for(demo_settings).get("/static/plotly.min.js")
    assert response.status_code == 200 and b"plotly" in response.content[:2000].lower()
    assert "cdn" not in client_for(demo_settings).get("/").text.lower()
