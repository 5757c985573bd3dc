"""Compaction: closed partitions become one file with every row once; crash-safe, idempotent; retention."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from homelake.lake import layout
from homelake.lake.compaction import SOURCES_KEY, apply_retention, compact
from homelake.lake.writer import LakeWriter
from homelake.sources import DATASETS
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from tests.lake.test_writer import lease

TODAY = date(2026, 11, 29)


def _write_batches(root: Path, day: date, batches: int, per: int) -> set[str]:
    writer = LakeWriter(root)
    macs = set()
    for b in range(batches):
        t = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(minutes=b)
        rows = [lease(f"aa:bb:{day.day:02x}:00:{b:02x}:{i:02x}", t) for i in range(per)]
        macs |= {r["mac"] for r in rows}
        writer.write_rows(MIKROTIK_DHCP_LEASES, rows)
    return macs


def _macs(root: Path) -> list[str]:
    glob = layout.glob_pattern(root, MIKROTIK_DHCP_LEASES)
    return [m for (m,) in duckdb.connect().execute(f"select mac from read_parquet('{glob}')").fetchall()]


def test_closed_partitions_merge_into_one_file_open_day_untouched(tmp_path: Path) -> None:
    old = _write_batches(tmp_path, TODAY - timedelta(days=1), batches=20, per=7)
    new = _write_batches(tmp_path, TODAY, batches=3, per=2)
    report = compact(tmp_path, DATASETS.values(), today=TODAY)
    assert (report.partitions, report.files_before, report.files_after, report.rows) == (1, 20, 1, 140)
    closed = layout.partition_dir(tmp_path, MIKROTIK_DHCP_LEASES, TODAY - timedelta(days=1))
    assert len(list(closed.glob("*.parquet"))) == 1
    assert len(list(layout.partition_dir(tmp_path, MIKROTIK_DHCP_LEASES, TODAY).glob("*.parquet"))) == 3
    assert sorted(_macs(tmp_path)) == sorted(old | new)  # every row exactly once
    again = compact(tmp_path, DATASETS.values(), today=TODAY)  # idempotent
    assert again.partitions == 0 and sorted(_macs(tmp_path)) == sorted(old | new)


def test_a_crash_between_merge_and_delete_is_finished_next_run(tmp_path: Path) -> None:
    day = TODAY - timedelta(days=2)
    macs = _write_batches(tmp_path, day, batches=5, per=3)
    part = layout.partition_dir(tmp_path, MIKROTIK_DHCP_LEASES, day)
    sources = sorted(part.glob("*.parquet"))
    compact(tmp_path, DATASETS.values(), today=TODAY)
    merged = next(part.glob("*.parquet"))
    assert json.loads(pq.read_schema(merged).metadata[SOURCES_KEY]) == [p.name for p in sources]
    # simulate the crash: the sources come back as if never deleted
    for src in sources:
        pq.write_table(pq.read_table(merged).slice(0, 3), src)
    assert len(_macs(tmp_path)) > len(macs)
    report = compact(tmp_path, DATASETS.values(), today=TODAY)
    assert report.finished_interrupted == 5
    assert sorted(_macs(tmp_path)) == sorted(macs)


def test_retention_deletes_only_old_partitions(tmp_path: Path) -> None:
    LakeWriter(tmp_path).ensure_anchors(DATASETS.values())
    for age in (0, 5, 40, 400):
        _write_batches(tmp_path, TODAY - timedelta(days=age), batches=1, per=1)
    removed = apply_retention(tmp_path, 30, DATASETS.values(), today=TODAY)
    assert sorted(p.name for p in removed) == [f"date={TODAY - timedelta(days=a)}" for a in (400, 40)]
    assert layout.anchor_path(tmp_path, MIKROTIK_DHCP_LEASES).exists()
    assert len(_macs(tmp_path)) == 2
