"""Compaction and retention of closed partitions: few large files instead of many small ones.

Crash-safe and idempotent: the merged file is written atomically and names its source files in its
Parquet metadata; only then are the sources deleted. A run interrupted between the two finishes the
deletion next time. Readers globbing during the instant between rename and unlink may see a row twice;
dbt staging drops exact duplicates, so marts never count it twice.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from homelake.lake import layout
from homelake.lake.schemas import Dataset
from homelake.lake.writer import write_table_atomic

log = logging.getLogger(__name__)
SOURCES_KEY = b"homelake.compacted_from"
MIN_FILES_TO_COMPACT = 2  # one file is already as compact as a partition gets


@dataclass
class CompactionReport:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    finished_interrupted: int = 0
    details: list[str] = field(default_factory=list)


def _partition_day(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.name.removeprefix("date="))
    except ValueError:
        return None


def _finish_interrupted(part: Path) -> int:
    """Delete sources still lying beside a merged file that already holds them (an earlier crash)."""
    removed = 0
    for merged in sorted(part.glob("*.parquet")):
        if not layout.is_batch_file(merged) or not merged.exists():
            continue
        meta = pq.read_schema(merged).metadata or {}
        for name in json.loads(meta.get(SOURCES_KEY, b"[]")):
            source = part / name
            if source.exists() and source != merged:
                source.unlink()
                removed += 1
    return removed


def compact_partition(dataset: Dataset, part: Path, report: CompactionReport) -> None:
    report.finished_interrupted += _finish_interrupted(part)
    files = sorted(p for p in part.glob("*.parquet") if layout.is_batch_file(p))
    if len(files) < MIN_FILES_TO_COMPACT:
        return
    tables = [pq.read_table(p, schema=dataset.schema) for p in files]
    table = pa.concat_tables(tables).sort_by([("observed_at", "ascending")])
    schema = table.schema.with_metadata({SOURCES_KEY: json.dumps([p.name for p in files]).encode()})
    table = table.replace_schema_metadata(schema.metadata)
    before = sum(p.stat().st_size for p in files)
    merged = write_table_atomic(table, part / layout.batch_name())
    for p in files:
        p.unlink()
    report.partitions += 1
    report.files_before += len(files)
    report.files_after += 1
    report.rows += table.num_rows
    report.bytes_before += before
    report.bytes_after += merged.stat().st_size
    report.details.append(f"{dataset.key} {part.name}: {len(files)} files -> 1 ({table.num_rows} rows)")


def compact(root: Path, datasets: Iterable[Dataset], *, today: date | None = None) -> CompactionReport:
    """Merge the files of every closed partition (UTC days before today); open days are left alone."""
    today = today or datetime.now(UTC).date()
    report = CompactionReport()
    for dataset in datasets:
        for part in sorted(layout.dataset_dir(root, dataset).glob("date=*")):
            day = _partition_day(part)
            if day is None or day == layout.ANCHOR_DATE or day >= today:
                continue
            compact_partition(dataset, part, report)
    return report


def apply_retention(
    root: Path, keep_days: int, datasets: Iterable[Dataset], *, today: date | None = None
) -> list[Path]:
    """Delete raw partitions whose UTC day is more than `keep_days` before today; returns what went."""
    if keep_days < 1:
        raise ValueError("retention must keep at least one day")
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=keep_days)
    removed = []
    for dataset in datasets:
        for part in sorted(layout.dataset_dir(root, dataset).glob("date=*")):
            day = _partition_day(part)
            if day is not None and day != layout.ANCHOR_DATE and day < cutoff:
                shutil.rmtree(part)
                removed.append(part)
    return removed
