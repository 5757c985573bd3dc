"""Lake writer: schema check, dead letters, day partitions, anchors, and atomicity under SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH, DEAD_LETTER
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sources import DATASETS
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES

T0 = datetime(2026, 11, 28, 23, 59, 30, tzinfo=UTC)


def lease(mac: str, t: datetime, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "observed_at": t,
        "received_at": t,
        "family": "mikrotik",
        "device_id": "fw",
        "collector": "test",
        "mac": mac,
        "ip": "192.168.88.10",
        "status": "bound",
        "is_dynamic": True,
    }
    row.update(extra)
    return row


def test_rows_land_in_utc_day_partitions(tmp_path: Path) -> None:
    writer = LakeWriter(tmp_path)
    rows = [lease("aa:bb:cc:dd:ee:01", T0), lease("aa:bb:cc:dd:ee:02", T0 + timedelta(minutes=1))]
    report = writer.write_rows(MIKROTIK_DHCP_LEASES, rows)
    assert report.rows_written == 2 and report.rows_rejected == 0
    days = sorted(p.parent.name for p in report.files)
    assert days == ["date=2026-11-28", "date=2026-11-29"]
    for path in report.files:
        assert layout.is_batch_file(path)
        assert pq.read_schema(path).equals(MIKROTIK_DHCP_LEASES.schema)
    got = duckdb.sql(
        f"select mac, date from read_parquet('{layout.glob_pattern(tmp_path, MIKROTIK_DHCP_LEASES)}',"
        " hive_partitioning=true) order by mac"
    ).fetchall()
    assert [(m, str(d)) for m, d in got] == [
        ("aa:bb:cc:dd:ee:01", "2026-11-28"),
        ("aa:bb:cc:dd:ee:02", "2026-11-29"),
    ]


def test_misfit_rows_go_to_dead_letter_with_reason(tmp_path: Path) -> None:
    writer = LakeWriter(tmp_path)
    rows = [
        lease("aa:bb:cc:dd:ee:01", T0),
        lease("aa:bb:cc:dd:ee:02", T0, surprise="x"),  # unknown column
        lease("aa:bb:cc:dd:ee:03", T0, last_seen_s="soon"),  # wrong type
        {**lease("aa:bb:cc:dd:ee:04", T0), "device_id": None},  # required origin missing
        lease("aa:bb:cc:dd:ee:05", T0.replace(tzinfo=None)),  # naive time
    ]
    report = writer.write_rows(MIKROTIK_DHCP_LEASES, rows)
    assert report.rows_written == 1 and report.rows_rejected == 4
    dead = duckdb.sql(
        f"select reason, payload, dataset from read_parquet('{layout.glob_pattern(tmp_path, DEAD_LETTER)}')"
    ).fetchall()
    assert len(dead) == 4
    reasons = " | ".join(r for r, _, _ in dead)
    assert "surprise" in reasons and "last_seen_s" in reasons or "does not fit" in reasons
    assert "device_id" in reasons and "aware" in reasons
    assert all(ds == "mikrotik/dhcp_leases" for _, _, ds in dead)
    assert any(b"aa:bb:cc:dd:ee:03" in bytes(p) for _, p, _ in dead)


def test_anchors_make_every_dataset_readable_before_data(tmp_path: Path) -> None:
    writer = LakeWriter(tmp_path)
    writer.ensure_anchors(DATASETS.values())
    for dataset in DATASETS.values():
        n = duckdb.sql(
            f"select count(*) from read_parquet('{layout.glob_pattern(tmp_path, dataset)}', hive_partitioning=true)"
        ).fetchall()[0]
        assert n == (0,)
    anchor = layout.anchor_path(tmp_path, COLLECTOR_HEALTH)
    mtime = anchor.stat().st_mtime_ns
    writer.ensure_anchors(DATASETS.values())  # idempotent: an up-to-date anchor is not rewritten
    assert anchor.stat().st_mtime_ns == mtime


def test_buffer_flushes_on_size_and_keeps_rows_when_disk_fails(tmp_path: Path) -> None:
    buffered = BufferedLakeWriter(LakeWriter(tmp_path), max_rows=3, max_age_s=3600)
    assert buffered.add(MIKROTIK_DHCP_LEASES, [lease("aa:bb:cc:dd:ee:01", T0)]) is None
    assert buffered.pending() == 1
    report = buffered.add(MIKROTIK_DHCP_LEASES, [lease(f"aa:bb:cc:dd:ee:0{i}", T0) for i in range(2, 4)])
    assert report is not None and report.rows_written == 3 and buffered.pending() == 0

    # A partition path that cannot be a directory fails every write, even for root.
    later = T0 + timedelta(days=3)
    blocker = layout.partition_dir(tmp_path, MIKROTIK_DHCP_LEASES, later.date())
    blocker.write_text("not a directory")
    buffered.add(MIKROTIK_DHCP_LEASES, [lease("aa:bb:cc:dd:ee:09", later)])
    with pytest.raises(OSError):
        buffered.flush()
    assert buffered.pending() == 1  # nothing lost
    blocker.unlink()
    assert buffered.flush().rows_written == 1
    assert buffered.pending() == 0


WRITER_LOOP = """
import sys
from datetime import UTC, datetime
from pathlib import Path
import pyarrow as pa
from homelake.lake.writer import write_table_atomic
from homelake.sources import DATASETS
root = Path(sys.argv[1])
table = pa.table({"x": list(range(400_000)), "s": [f"row-{i}-padding-padding" for i in range(400_000)]})
i = 0
print("ready", flush=True)
while True:
    write_table_atomic(table, root / f"batch-{i:05d}.parquet")
    i += 1
"""


def test_killed_writes_never_leave_a_readable_partial_file(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of writing large files, several times; every .parquet reads whole."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    kills = 0
    for delay in (0.35, 0.6, 0.9, 1.3, 1.7):
        proc = subprocess.Popen([sys.executable, "-c", WRITER_LOOP, str(tmp_path)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        kills += 1
    finished = sorted(tmp_path.glob("*.parquet"))
    assert finished, "the writer should have completed some files"
    for path in finished:
        assert pq.read_table(path).num_rows == 400_000
    # what a kill may leave is only a temp file, which no reader's *.parquet glob matches
    leftovers = [p for p in tmp_path.iterdir() if p.suffix != ".parquet"]
    assert all(p.name.endswith(".tmp") and ".parquet." in p.name for p in leftovers)
    assert kills == 5
