"""dbt build over a small hand-written lake: marts values, unit tests run, failed builds publish nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homelake.lake import schemas
from homelake.sources import DATASETS
from homelake.sources.mikrotik.datasets import (
    MIKROTIK_DHCP_LEASES,
    MIKROTIK_INTERFACES,
    MIKROTIK_SYSTEM,
    MIKROTIK_WIFI_CLIENTS,
)
from homelake.warehouse.publish import DEFAULT_PROJECT_DIR, BuildReport, TransformError, build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.integration

T1 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
T2 = datetime(2024, 5, 1, 10, 30, 0, tzinfo=UTC)
T3 = datetime(2024, 5, 1, 11, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)

LAPTOP = "3c:22:fb:00:11:22"  # known; IP .23 -> .42; moves from gw's wifi to ap-hall
NAS = "00:11:32:aa:bb:cc"  # known; static lease, always waiting (wired, off)
GARDEN_PI = "b8:27:eb:12:34:56"  # known; never seen
PHONE = "de:ad:be:ef:00:01"  # unknown; lease stays bound but the router stops hearing from it
TABLET = "02:00:00:00:00:77"  # unknown; wifi only, on ap-hall
SHED_CAM = "02:00:00:00:00:99"  # unknown; on ap-shed at T2, ap-shed's T3 poll finds nobody

# Hand-kept metadata as people write it: upper case, dashes.
METADATA_CSV = """mac,name,owner,room,location,device_type,vendor,model,notes
3C:22:FB:00:11:22,Anna's laptop,anna,office,house,laptop,Apple,MacBook Air,
00-11-32-AA-BB-CC,NAS,household,utility,house,nas,Synology,DS920+,static lease
b8:27:eb:12:34:56,Garden Pi,household,shed,garden,sbc,Raspberry Pi,Pi 4,never switched on
"""


def _origin(device_id: str, observed_at: datetime, *, received_after_s: float = 2.0) -> dict[str, Any]:
    return {
        "observed_at": observed_at,
        "received_at": observed_at + timedelta(seconds=received_after_s),
        "family": "mikrotik",
        "device_id": device_id,
        "collector": "test",
    }


def _lease(
    at: datetime,
    mac: str,
    ip: str,
    status: str,
    *,
    hostname: str | None = None,
    last_seen_s: float | None = None,
) -> dict[str, Any]:
    bound = status == "bound"
    return {
        **_origin("gw", at),
        "lease_id": f"*{mac[-2:]}",
        "mac": mac,
        "ip": ip,
        "active_ip": ip if bound else None,
        "hostname": hostname,
        "status": status,
        "server": "defconf",
        "is_dynamic": mac != NAS,
        "is_blocked": False,
        "is_disabled": False,
        "last_seen_s": last_seen_s,
        "expires_after_s": 600.0 if bound else None,
    }


def _wifi(device_id: str, at: datetime, mac: str, signal_dbm: float) -> dict[str, Any]:
    return {
        **_origin(device_id, at),
        "menu": "wifi",
        "interface": "wifi1",
        "ssid": "home",
        "mac": mac,
        "signal_dbm": signal_dbm,
    }


def _system(device_id: str, at: datetime) -> dict[str, Any]:
    return {**_origin(device_id, at), "identity": device_id, "version": "7.16.2 (stable)", "uptime_s": 3600.0}


def _interface(device_id: str, at: datetime) -> dict[str, Any]:
    return {
        **_origin(device_id, at),
        "interface_id": "*1",
        "interface": "ether1",
        "type": "ether",
        "is_running": True,
        "rx_bytes": 1000,
        "tx_bytes": 2000,
    }


def _health(
    device_id: str, started_at: datetime, *, source: str = "mikrotik", error: tuple[str, str] | None = None
) -> dict[str, Any]:
    return {
        **_origin(device_id, started_at),
        "family": "homelake",
        "source": source,
        "target": device_id,
        "started_at": started_at,
        "duration_s": 3.5,
        "ok": error is None,
        "error_class": error[0] if error else None,
        "error_message": error[1] if error else None,
        "row_count": 0 if error else 10,
    }


def _dead_letter(at: datetime, reason: str, payload: bytes) -> dict[str, Any]:
    return {
        **_origin("gw", at),
        "family": "homelake",
        "source_family": "mikrotik",
        "dataset": "mikrotik/dhcp_leases",
        "reason": reason,
        "payload": payload,
    }


LEASES = [
    _lease(T1, LAPTOP, "192.168.88.23", "bound", hostname="laptop-anna", last_seen_s=5),
    _lease(T1, NAS, "192.168.88.20", "waiting"),
    _lease(T1, PHONE, "192.168.88.50", "bound", last_seen_s=30),
    _lease(T2, LAPTOP, "192.168.88.23", "bound", hostname="laptop-anna", last_seen_s=3),
    _lease(T2, NAS, "192.168.88.20", "waiting"),
    _lease(T2, PHONE, "192.168.88.50", "bound", last_seen_s=1000),
    _lease(T3, LAPTOP, "192.168.88.42", "bound", hostname="laptop-anna", last_seen_s=10),
    _lease(T3, NAS, "192.168.88.20", "waiting"),
    _lease(T3, PHONE, "192.168.88.50", "bound", last_seen_s=1800),
]
WIFI = [
    _wifi("gw", T1 + SECOND, LAPTOP, -55),
    _wifi("gw", T1 + SECOND, PHONE, -65),
    _wifi("gw", T2 + SECOND, LAPTOP, -60),
    _wifi("ap-hall", T2 + SECOND, TABLET, -70),
    _wifi("ap-hall", T3 + SECOND, TABLET, -72),
    # quieter than at gw in T2: were gw's stale T2 table counted, the laptop would be placed at gw
    _wifi("ap-hall", T3 + SECOND, LAPTOP, -62),
    _wifi("ap-shed", T2 + SECOND, SHED_CAM, -80),
]
ROUTERS = ("gw", "ap-hall", "ap-shed")
PLUG = "shellyplug-s-c18b12"  # its poller works at T1, then times out: failing since T2
PLUG_HEALTH = [
    _health(PLUG, T1, source="shelly"),
    _health(PLUG, T2, source="shelly", error=("Timeout", "no answer within 10 s")),
    _health(PLUG, T3, source="shelly", error=("Timeout", "no answer within 10 s")),
]
DEAD_LETTERS = [
    _dead_letter(T1, "lease without a MAC", b'{"address": "192.168.88.9"}'),
    _dead_letter(T3, "not JSON", b"<html>"),
]
BUILD_ENV = ("HOMELAKE_LAKE_ROOT", "HOMELAKE_WAREHOUSE_BUILD", "HOMELAKE_SEEDS_DIR")
POLLS = (T1, T2, T3)


def write_lake(root: Path) -> None:
    """Schema anchors for every dataset, then real partitions the way the lake writer lays them out."""
    for dataset in DATASETS.values():
        anchor = root / "raw" / dataset.family / dataset.name / "date=1970-01-01" / "_schema.parquet"
        anchor.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(dataset.schema.empty_table(), anchor)

    def write(dataset: schemas.Dataset, batch: str, rows: list[dict[str, Any]]) -> None:
        path = root / "raw" / dataset.family / dataset.name / "date=2024-05-01" / f"{batch}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=dataset.schema), path)

    write(MIKROTIK_DHCP_LEASES, "batch-0001", LEASES)
    # an at-least-once re-delivery of the first poll, received later: must be counted once
    redelivered = [{**row, "received_at": row["received_at"] + timedelta(minutes=5)} for row in LEASES[:3]]
    write(MIKROTIK_DHCP_LEASES, "batch-0002", redelivered)
    write(MIKROTIK_WIFI_CLIENTS, "batch-0001", WIFI)
    write(
        MIKROTIK_INTERFACES,
        "batch-0001",
        [_interface(r, t + 2 * SECOND) for r in ROUTERS for t in POLLS],
    )
    write(MIKROTIK_SYSTEM, "batch-0001", [_system(r, t + 3 * SECOND) for r in ROUTERS for t in POLLS])
    # the poller's health rows mark when each poll began; ap-shed has none (like backfilled history)
    write(schemas.COLLECTOR_HEALTH, "batch-0001", [_health(r, t - SECOND) for r in ROUTERS[:2] for t in POLLS])
    write(schemas.COLLECTOR_HEALTH, "batch-0002", PLUG_HEALTH)
    write(schemas.DEAD_LETTER, "batch-0001", DEAD_LETTERS)
    write(schemas.DEAD_LETTER, "batch-0002", DEAD_LETTERS[1:])  # re-delivered: counted once


def _project_files() -> set[Path]:
    return {p for p in DEFAULT_PROJECT_DIR.rglob("*") if "__pycache__" not in p.parts}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BuildReport, Path]]:
    """One dbt build for the whole module (dbt is start-up bound)."""
    base = tmp_path_factory.mktemp("transform")
    lake = base / "lake"
    write_lake(lake)
    metadata = base / "device_metadata.csv"
    metadata.write_text(METADATA_CSV)
    project_before = _project_files()
    environ_before = {name: os.environ.get(name) for name in BUILD_ENV}
    report = build_warehouse(
        lake_root=lake,
        warehouse_path=base / "warehouse" / "warehouse.duckdb",
        metadata_csv=metadata,
        site_timezone="Europe/Berlin",
    )
    assert _project_files() == project_before, "the build wrote into the dbt project"
    assert {name: os.environ.get(name) for name in BUILD_ENV} == environ_before, "environment not restored"
    yield report, lake


def _rows(path: Path, sql: str) -> list[dict[str, Any]]:
    with connect_readonly(path) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_build_publishes_and_counts_every_kind_of_node(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    assert report.path.name == "warehouse.duckdb" and report.path.is_file()
    assert [p.name for p in report.path.parent.iterdir()] == ["warehouse.duckdb"]  # no .build-* left
    assert report.seeds.ok == 4 and report.seeds.error == 0  # device_metadata, circuits, sensor_rooms, node_circuits
    assert report.models.ok >= 13 and report.models.error == 0
    assert report.tests.ok > 0 and report.tests.error == 0 and report.tests.warn == 0
    # dbt unit tests (gaps and islands, presence, inventory flags, local hours, freshness) ran and passed
    assert report.unit_tests.ok >= 5 and report.unit_tests.error == 0


def test_inventory(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    rows = _rows(
        report.path,
        "select mac, name, is_known, is_online, current_ip, current_hostname, first_seen_at, last_seen_at,"
        " current_ap, lease_status, display_name, as_of_at from inventory order by mac",
    )
    columns = (
        "mac",
        "name",
        "is_known",
        "is_online",
        "current_ip",
        "current_hostname",
        "first_seen_at",
        "last_seen_at",
        "current_ap",
        "lease_status",
        "display_name",
    )
    expected = [
        (NAS, "NAS", True, False, "192.168.88.20", None, None, None, None, "waiting", "NAS"),
        (TABLET, None, False, True, None, None, T2 + SECOND, T3 + SECOND, "ap-hall", None, TABLET),
        (SHED_CAM, None, False, False, None, None, T2 + SECOND, T2 + SECOND, None, None, SHED_CAM),
        (
            LAPTOP,
            "Anna's laptop",
            True,
            True,
            "192.168.88.42",
            "laptop-anna",
            T1 - 5 * SECOND,
            T3 + SECOND,
            "ap-hall",
            "bound",
            "Anna's laptop",
        ),
        (GARDEN_PI, "Garden Pi", True, False, None, None, None, None, None, None, "Garden Pi"),
        # bound lease, but the router last heard from it 1800 s ago: offline
        (
            PHONE,
            None,
            False,
            False,
            "192.168.88.50",
            None,
            T1 - 30 * SECOND,
            T3 - 1800 * SECOND,
            None,
            "bound",
            PHONE,
        ),
    ]
    assert [tuple(row[c] for c in columns) for row in rows] == expected
    assert {row["as_of_at"] for row in rows} == {T3 + SECOND}


def test_device_ip_history(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    rows = _rows(
        report.path,
        "select mac, ip, hostname, valid_from, valid_to, observation_count from device_ip_history"
        " order by mac, valid_from",
    )
    assert [tuple(row.values()) for row in rows] == [
        (LAPTOP, "192.168.88.23", "laptop-anna", T1, T3, 2),
        (LAPTOP, "192.168.88.42", "laptop-anna", T3, None, 1),
        (PHONE, "192.168.88.50", None, T1, None, 3),  # the re-delivered T1 row counts once
    ]


def test_wifi_clients_hourly(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    rows = _rows(
        report.path,
        "select device_id, hour_start_at, hour_start_local, hour_of_day_local, distinct_client_count,"
        " avg_signal_dbm, min_signal_dbm, max_signal_dbm, poll_count, sample_count"
        " from wifi_clients_hourly order by device_id, hour_start_at",
    )
    ten, eleven = datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 5, 1, 11, tzinfo=UTC)
    # Europe/Berlin is UTC+2 in May
    noon, one_pm = datetime(2024, 5, 1, 12), datetime(2024, 5, 1, 13)
    assert [tuple(row.values()) for row in rows] == [
        ("ap-hall", ten, noon, 12, 1, -70.0, -70.0, -70.0, 1, 1),
        ("ap-hall", eleven, one_pm, 13, 2, -67.0, -72.0, -62.0, 1, 2),
        ("ap-shed", ten, noon, 12, 1, -80.0, -80.0, -80.0, 1, 1),
        ("gw", ten, noon, 12, 2, -60.0, -65.0, -55.0, 2, 3),
    ]


def test_collector_targets(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    rows = _rows(
        report.path,
        "select source_family, target, is_failing, status_since_at, last_success_at, last_error_class,"
        " poll_count, failure_count, poll_count_24h, failure_count_24h, as_of_at"
        " from collector_targets order by source_family, target",
    )
    router_polls = (T1 - SECOND, T2 - SECOND, T3 - SECOND)
    assert [tuple(row.values()) for row in rows] == [
        ("mikrotik", "ap-hall", False, router_polls[0], router_polls[2], None, 3, 0, 3, 0, T3),
        ("mikrotik", "gw", False, router_polls[0], router_polls[2], None, 3, 0, 3, 0, T3),
        ("shelly", PLUG, True, T2, T1, "Timeout", 3, 2, 3, 2, T3),
    ]


def test_health_rollups_for_the_dashboard(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    polls = _rows(
        report.path,
        "select target, sum(poll_count) as polls, sum(failed_poll_count) as failed"
        " from rpt_collector_polls_hourly group by target order by target",
    )
    assert [tuple(row.values()) for row in polls] == [("ap-hall", 3, 0), ("gw", 3, 0), (PLUG, 3, 2)]
    dead = _rows(report.path, "select * from rpt_dead_letters_by_dataset")
    assert dead == [
        {
            "source_family": "mikrotik",
            "dataset": "mikrotik/dhcp_leases",
            "reject_count": 2,  # the re-delivered reject counts once
            "first_rejected_at": T1,
            "last_rejected_at": T3,
            "last_reason": "not JSON",
        }
    ]


def test_dataset_freshness_lists_every_lake_dataset(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    rows = {row["dataset"]: row for row in _rows(report.path, "select * from dataset_freshness")}
    # every dataset the lake declares is a dbt source, so none is missing from the freshness mart
    assert set(rows) == set(DATASETS)
    leases = rows["mikrotik/dhcp_leases"]
    assert (leases["row_count"], leases["day_count"], leases["last_observed_at"]) == (12, 1, T3)  # 3 re-delivered
    assert (leases["family"], leases["dataset_name"]) == ("mikrotik", "dhcp_leases")
    assert rows["homelake/dead_letter"]["row_count"] == 3
    # a dataset with only its schema anchor: known, empty
    assert (rows["shelly/events"]["row_count"], rows["shelly/events"]["last_observed_at"]) == (0, None)


def test_warehouse_build_records_when_it_was_built(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    (row,) = _rows(report.path, "select built_at, site_timezone from warehouse_build")
    assert row["site_timezone"] == "Europe/Berlin"
    assert report.path.stat().st_mtime - 600 < row["built_at"].timestamp() <= report.path.stat().st_mtime


def test_descriptions_are_comments_in_the_warehouse(built: tuple[BuildReport, Path]) -> None:
    """persist_docs: the YAML's descriptions show in DuckDB's catalog (`describe`, duckdb_columns())."""
    report, _ = built
    columns = _rows(
        report.path,
        "select table_name, column_name, comment from duckdb_columns()"
        " where (table_name, column_name) in (('inventory', 'mac'), ('dataset_freshness', 'last_observed_at'))"
        " order by table_name",
    )
    assert [(c["table_name"], c["column_name"], c["comment"]) for c in columns] == [
        (
            "dataset_freshness",
            "last_observed_at",
            "Newest observation in the dataset (UTC) - how fresh the data was at the build.",
        ),
        ("inventory", "mac", "Device MAC, lower-case colon form."),
    ]
    (table,) = _rows(report.path, "select comment from duckdb_tables() where table_name = 'inventory'")
    assert table["comment"].startswith("One row per device:")
    (view,) = _rows(
        report.path, "select comment from duckdb_views() where view_name = 'stg_homelake__collector_health'"
    )
    assert view["comment"].startswith("One row per poll of one target")


def test_failed_build_keeps_the_published_warehouse(built: tuple[BuildReport, Path], tmp_path: Path) -> None:
    report, lake = built
    published = tmp_path / "warehouse.duckdb"
    published.write_bytes(report.path.read_bytes())
    digest = _sha256(published)
    broken = tmp_path / "device_metadata.csv"
    broken.write_text(METADATA_CSV + "aa:bb:cc:dd:ee:ff,Extra,column,here,too,many,values,in,this,row,!\n")

    with pytest.raises(TransformError) as caught:
        build_warehouse(lake_root=lake, warehouse_path=published, metadata_csv=broken, site_timezone="UTC")

    message = str(caught.value)
    assert "\n" not in message and "device_metadata" in message
    assert _sha256(published) == digest
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".build-")] == []
    assert _rows(published, "select count(*) as n from inventory") == [{"n": 6}]


def test_bad_inputs_fail_before_dbt_runs(tmp_path: Path) -> None:
    with pytest.raises(TransformError, match="timezone"):
        build_warehouse(
            lake_root=tmp_path,
            warehouse_path=tmp_path / "w.duckdb",
            metadata_csv=None,
            site_timezone="Mars/Olympus",
        )
    with pytest.raises(TransformError, match="does not exist"):
        build_warehouse(
            lake_root=tmp_path / "missing",
            warehouse_path=tmp_path / "w.duckdb",
            metadata_csv=None,
            site_timezone="UTC",
        )
    headless = tmp_path / "metadata.csv"
    headless.write_text("mac,name\naa:bb:cc:dd:ee:ff,x\n")
    with pytest.raises(TransformError, match="lacks the column"):
        build_warehouse(
            lake_root=tmp_path,
            warehouse_path=tmp_path / "w.duckdb",
            metadata_csv=headless,
            site_timezone="UTC",
        )
    assert not (tmp_path / "w.duckdb").exists()
