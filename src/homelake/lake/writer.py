"""Lands rows in the lake: schema check, dead-letter for misfits, atomic Parquet files per UTC day."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from homelake.lake import layout
from homelake.lake.schemas import DEAD_LETTER, Dataset

log = logging.getLogger(__name__)


@dataclass
class WriteReport:
    files: list[Path] = field(default_factory=list)
    rows_written: int = 0
    rows_rejected: int = 0

    def merge(self, other: WriteReport) -> None:
        self.files += other.files
        self.rows_written += other.rows_written
        self.rows_rejected += other.rows_rejected


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_table_atomic(table: pa.Table, target: Path) -> Path:
    """Write to `<target>.<pid>-<random>.tmp`, fsync, rename over target, fsync the directory.

    A reader globbing `*.parquet` never sees the temporary file, and a crash leaves at worst a
    stray `.tmp` file, never a truncated `.parquet`.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # unique per writer: two processes writing the same target (e.g. schema anchors) must not share it
    tmp = target.with_name(f"{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{layout.TMP_SUFFIX}")
    try:
        with tmp.open("wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _json_bytes(value: object) -> bytes:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)


class LakeWriter:
    """Validates rows against their dataset's schema and writes them atomically, one file per UTC day."""

    def __init__(self, root: Path, collector: str = "homelake") -> None:
        self.root = Path(root)
        self.collector = collector

    # -- public -----------------------------------------------------------------
    def write_rows(self, dataset: Dataset, rows: Sequence[Mapping[str, Any]]) -> WriteReport:
        report = WriteReport()
        if not rows:
            return report
        good, bad = self._check(dataset, rows)
        by_day: dict[date, list[Mapping[str, Any]]] = {}
        for row in good:
            by_day.setdefault(row["observed_at"].astimezone(UTC).date(), []).append(row)
        tables = []
        for day, day_rows in sorted(by_day.items()):
            table, misfits = self._to_table(dataset, day_rows)
            bad.extend(misfits)
            tables.append((day, table))
        for row, reason in bad:
            self._reject(dataset, row, reason)
        report.rows_rejected = len(bad)
        for day, table in tables:
            if table.num_rows:
                path = layout.partition_dir(self.root, dataset, day) / layout.batch_name()
                report.files.append(write_table_atomic(table, path))
                report.rows_written += table.num_rows
        return report

    def dead_letter_row(  # noqa: PLR0913 - one keyword per dead_letter column
        self,
        *,
        family: str,
        dataset: str | None,
        reason: str,
        payload: bytes | None,
        device_id: str,
        collector: str | None = None,
        observed_at: datetime | None = None,
    ) -> dict[str, Any]:
        """The dead_letter row for an unusable payload, kept verbatim with the reason it was refused."""
        now = datetime.now(UTC)
        return {
            "observed_at": observed_at or now,
            "received_at": now,
            "family": "homelake",
            "device_id": device_id,
            "collector": collector or self.collector,
            "source_family": family,
            "dataset": dataset,
            "reason": reason[:2000],
            "payload": payload,
        }

    def dead_letter(  # noqa: PLR0913 - one keyword per dead_letter column
        self,
        *,
        family: str,
        dataset: str | None,
        reason: str,
        payload: bytes | None,
        device_id: str,
        collector: str | None = None,
        observed_at: datetime | None = None,
    ) -> None:
        """Write one dead letter at once (see dead_letter_row for the arguments)."""
        row = self.dead_letter_row(
            family=family,
            dataset=dataset,
            reason=reason,
            payload=payload,
            device_id=device_id,
            collector=collector,
            observed_at=observed_at,
        )
        table = pa.Table.from_pylist([row], schema=DEAD_LETTER.schema)
        path = layout.partition_dir(self.root, DEAD_LETTER, row["observed_at"].date()) / layout.batch_name()
        write_table_atomic(table, path)

    def ensure_anchors(self, datasets: Iterable[Dataset]) -> None:
        """Make sure each dataset (the catalog: `homelake.sources.DATASETS`) has its zero-row schema anchor with
        the current declared schema."""
        for dataset in datasets:
            path = layout.anchor_path(self.root, dataset)
            if path.exists():
                try:
                    if pq.read_schema(path).equals(dataset.schema, check_metadata=False):
                        continue
                except (OSError, pa.ArrowInvalid):
                    pass
            write_table_atomic(dataset.schema.empty_table(), path)

    # -- internals --------------------------------------------------------------
    def _check(
        self, dataset: Dataset, rows: Sequence[Mapping[str, Any]]
    ) -> tuple[list[Mapping[str, Any]], list[tuple[Mapping[str, Any], str]]]:
        """The per-row checks Arrow does not make: no unknown columns, required ones set, aware observed_at."""
        schema = dataset.schema
        names = set(schema.names)
        required = [f.name for f in schema if not f.nullable]
        good: list[Mapping[str, Any]] = []
        bad: list[tuple[Mapping[str, Any], str]] = []
        for row in rows:
            if not names.issuperset(row):
                bad.append((row, f"unexpected columns {sorted(set(row) - names)} for {dataset.key}"))
                continue
            missing = [n for n in required if row.get(n) is None]
            if missing:
                bad.append((row, f"required columns are null or missing: {missing}"))
                continue
            observed = row["observed_at"]
            if not isinstance(observed, datetime) or observed.tzinfo is None:
                bad.append((row, "observed_at must be a time-zone aware datetime"))
                continue
            good.append(row)
        return good, bad

    @staticmethod
    def _to_table(
        dataset: Dataset, rows: list[Mapping[str, Any]]
    ) -> tuple[pa.Table, list[tuple[Mapping[str, Any], str]]]:
        """The rows as one Arrow table of the declared schema; rows that do not convert are set apart."""
        try:
            return pa.Table.from_pylist(rows, schema=dataset.schema), []
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
        # Some row does not convert: find which, one by one (rare path).
        fits: list[Mapping[str, Any]] = []
        misfits: list[tuple[Mapping[str, Any], str]] = []
        for row in rows:
            try:
                pa.Table.from_pylist([row], schema=dataset.schema)
                fits.append(row)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
                misfits.append((row, f"does not fit schema {dataset.key}: {exc}"))
        return pa.Table.from_pylist(fits, schema=dataset.schema), misfits

    def _reject(self, dataset: Dataset, row: Mapping[str, Any], reason: str) -> None:
        log.warning("lake row rejected dataset=%s reason=%s", dataset.key, reason)
        observed = row.get("observed_at")
        self.dead_letter(
            family=dataset.family,
            dataset=dataset.key,
            reason=reason,
            payload=_json_bytes(dict(row)),
            device_id=str(row.get("device_id") or "unknown"),
            collector=str(row.get("collector") or self.collector),
            observed_at=observed if isinstance(observed, datetime) and observed.tzinfo else None,
        )


class BufferedLakeWriter:
    """Collects rows per dataset and flushes on size or age; thread-safe; `flush()` on shutdown."""

    def __init__(self, writer: LakeWriter, *, max_rows: int = 10_000, max_age_s: float = 5.0) -> None:
        self.writer = writer
        self.max_rows = max_rows
        self.max_age_s = max_age_s
        self._buffers: dict[str, list[Mapping[str, Any]]] = {}
        self._datasets: dict[str, Dataset] = {}
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, dataset: Dataset, rows: Sequence[Mapping[str, Any]]) -> WriteReport | None:
        if not rows:
            return None
        with self._lock:
            self._datasets[dataset.key] = dataset
            buf = self._buffers.setdefault(dataset.key, [])
            self._since.setdefault(dataset.key, time.monotonic())
            buf.extend(rows)
            full = len(buf) >= self.max_rows
        return self.flush(only=[dataset.key]) if full else None

    def pending(self) -> int:
        with self._lock:
            return sum(len(b) for b in self._buffers.values())

    def flush_due(self) -> WriteReport:
        now = time.monotonic()
        with self._lock:
            due = [k for k, t in self._since.items() if now - t >= self.max_age_s]
        return self.flush(only=due) if due else WriteReport()

    def flush(self, only: Sequence[str] | None = None) -> WriteReport:
        report = WriteReport()
        with self._lock:
            keys = list(self._buffers) if only is None else [k for k in only if k in self._buffers]
            batches = [(k, self._buffers.pop(k)) for k in keys]
            for k in keys:
                self._since.pop(k, None)
        for key, rows in batches:
            try:
                report.merge(self.writer.write_rows(self._datasets[key], rows))
            except OSError:
                # Put the rows back so nothing is lost; the caller reports the failure.
                with self._lock:
                    self._buffers.setdefault(key, [])[:0] = rows
                    self._since.setdefault(key, time.monotonic())
                raise
        return report
