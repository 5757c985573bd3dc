"""Health and freshness on the pages, from the marts of a real build over a lake with a failing target."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homelake.lake import layout, schemas
from homelake.settings import Settings, parse_settings
from homelake.sources import DATASETS
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly
from homelake.web import queries
from tests.pinned_time import NETWORK_AT, clock_from
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration

# A pinned time: the marts count the last 24 h back from the newest poll in the lake, not from the wall clock.
NOW = NETWORK_AT
PLUG = "shellyplug-s-c18b12"


def _origin(family: str, device_id: str, at: datetime) -> dict[str, Any]:
    return {"observed_at": at, "received_at": at, "family": family, "device_id": device_id, "collector": "test"}


def _poll(source: str, target: str, at: datetime, error: str | None = None) -> dict[str, Any]:
    return {
        **_origin("homelake", target, at),
        "source": source,
        "target": target,
        "started_at": at,
        "duration_s": 0.5,
        "ok": error is None,
        "error_class": "Timeout" if error else None,
        "error_message": error,
        "row_count": 0 if error else 4,
    }


def _write(root: Path, dataset: schemas.Dataset, rows: list[dict[str, Any]]) -> None:
    by_day: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["observed_at"].date(), []).append(row)
    for day, day_rows in by_day.items():
        path = layout.partition_dir(root, dataset, day) / "batch-0001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(day_rows, schema=dataset.schema), path)


@pytest.fixture(scope="module")
def health_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("health")
    settings = parse_settings(
        {"lake": {"root": "lake"}, "warehouse": {"path": "warehouse/homelake.duckdb"}, "site": {"timezone": "UTC"}},
        base=base,
    )
    lake = settings.lake.root
    for dataset in DATASETS.values():
        anchor = layout.anchor_path(lake, dataset)
        anchor.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(dataset.schema.empty_table(), anchor)
    hours = [NOW - timedelta(hours=h) for h in (3, 2, 1)]
    _write(lake, schemas.COLLECTOR_HEALTH, [
        *(_poll("mikrotik", "fw", at) for at in hours),
        _poll("shelly", PLUG, hours[0]),
        _poll("shelly", PLUG, hours[1], "no answer within 10 s"),
        _poll("shelly", PLUG, hours[2], "no answer within 10 s"),
        # polled last a month ago: off the page, like before
        _poll("shelly", "shellyplug-retired", NOW - timedelta(days=30)),
    ])  # fmt: skip
    lease = {**_origin("mikrotik", "fw", hours[2]), "mac": "aa:bb:cc:00:00:01", "ip": "192.168.88.9", "status": "bound"}
    _write(lake, MIKROTIK_DHCP_LEASES, [lease])
    dead = {**_origin("homelake", "fw", hours[1]), "source_family": "mikrotik", "dataset": "mikrotik/dhcp_leases",
            "reason": "lease without a MAC", "payload": b"{}"}  # fmt: skip
    _write(lake, schemas.DEAD_LETTER, [dead])
    build_warehouse(
        lake_root=lake, warehouse_path=settings.warehouse.path, metadata_csv=None, site_timezone=settings.site.timezone
    )
    return settings


def test_health_page_shows_failing_targets_dead_letters_and_the_build_time(health_settings: Settings) -> None:
    text = client_for(health_settings).get("/health").text
    rows = re.findall(r"<tr class=\"(\w*)\">\s*<td>(\w+)</td><td>([\w-]+)</td>", text)
    assert [(cls, source, target) for cls, source, target in rows] == [
        ("", "mikrotik", "fw"),
        ("bad", "shelly", PLUG),
    ]
    since = (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert f"Timeout: no answer within 10 s (failing since {since})" in text
    assert "66.7 %" in text  # two of the plug's three polls in the last 24 h failed
    assert "lease without a MAC" in text and "mikrotik/dhcp_leases" in text
    assert 'id="built-at"' in text and "homelake transform" in text


def test_health_lists_expected_devices_that_stopped_reporting(health_settings: Settings) -> None:
    """A Shelly stays expected once found: the one last polled a month ago is silent since its first missed
    poll, beside the plug whose polls fail (with its collector's error)."""
    text = client_for(health_settings).get("/health").text
    section = text.split('id="failing-devices"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"bad\"><td>([\w/-]+)</td><td>([\w ]+)</td><td>([\d: -]+)</td>", section)
    month_ago = NOW - timedelta(days=30)
    assert rows == [
        ("shelly/shellyplug-retired", "poll target", (month_ago + timedelta(seconds=900)).strftime("%Y-%m-%d %H:%M")),
        (f"shelly/{PLUG}", "poll target", (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")),
    ]
    assert f"no data since {month_ago:%Y-%m-%d %H:%M:%S} UTC (expected every 900 s)" in section
    assert "Timeout: no answer within 10 s" in section


def test_health_chart_counts_failed_polls(health_settings: Settings) -> None:
    with clock_from(NOW):  # the chart's "last 7 days" are the dashboard's, counted from the (pinned) clock
        body = client_for(health_settings).get("/api/charts/health_polls", params={"range": "7d"}).json()
    failed = {trace["name"]: sum(trace["y"]) for trace in body["data"]}
    assert failed == {PLUG: 2}  # a target that never failed is no bar (13 flat zero traces were noise)


def test_health_chart_says_none_when_nothing_failed(health_settings: Settings) -> None:
    with clock_from(NOW):
        hours = {"from": (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "to": NOW.strftime("%Y-%m-%dT%H:%M")}
        failing = client_for(health_settings).get("/api/charts/health_polls", params=hours).json()
        # the plug's failures are in the last two hours; before them nothing failed
        before = {
            "from": (NOW - timedelta(days=2)).strftime("%Y-%m-%d"),
            "to": (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        }
        quiet = client_for(health_settings).get("/api/charts/health_polls", params=before).json()
    assert not failing["empty"]
    assert quiet["empty"] and quiet["none"] and quiet["message"] == "None: no collector poll failed in this range."


def test_overview_alerts_on_failing_targets_and_lists_freshness(health_settings: Settings) -> None:
    text = client_for(health_settings).get("/").text
    assert f"Collector shelly/{PLUG} failing: Timeout no answer within 10 s" in text
    assert "Collector mikrotik/fw failing" not in text
    assert "Collector shelly/shellyplug-retired failing: Silent no data since" in text
    assert re.search(r'id="failing-count">2<', text)
    freshness = re.findall(r"<td>(\w+/\w+)</td><td>([\d: -]+)</td>", text)
    newest = (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert freshness == [
        ("homelake/collector_health", newest),
        ("homelake/dead_letter", (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")),
        ("mikrotik/dhcp_leases", newest),
    ]  # datasets without rows are left out, as before
    assert 'id="built-at"' in text


def test_every_dashboard_query_reads_only_mart_tables(health_settings: Settings) -> None:
    """No query names a staging or intermediate view (views over read_parquet): only tables in `main`."""
    statements = [value.sql for value in vars(queries).values() if isinstance(value, queries.Query)]
    statements += [queries.inventory_list(sort, "asc").sql for sort in queries.INVENTORY_SORTS]
    named = set()
    for sql in statements:
        ctes = set(re.findall(r"\b([a-z_]+)\s+as\s*\(", sql, re.IGNORECASE))
        named |= set(re.findall(r"\b(?:from|join)\s+([a-z_][\w.]*)", sql, re.IGNORECASE)) - ctes
    with connect_readonly(health_settings.warehouse.path) as con:
        tables = {
            row[0]
            for row in con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
        }
    assert named and named <= tables, sorted(named - tables)
