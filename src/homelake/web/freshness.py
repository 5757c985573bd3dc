"""Data freshness per lake dataset: the newest observed_at, read from the newest date partition only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from homelake.lake import layout
from homelake.sources import DATASETS

NEWEST_FILES = 4
_ANCHOR_DIR = f"date={layout.ANCHOR_DATE.isoformat()}"


@dataclass(frozen=True)
class Freshness:
    dataset: str
    newest_at: datetime | None
    days: int


def _newest_partition(directory: Path) -> tuple[Path | None, int]:
    parts = sorted(p for p in directory.glob("date=*") if p.is_dir() and p.name != _ANCHOR_DIR)
    return (parts[-1] if parts else None), len(parts)


def lake_freshness(lake_root: Path) -> list[Freshness]:
    """Newest row of every dataset that has data, from its newest UTC day partition and newest files."""
    out: list[Freshness] = []
    con = duckdb.connect()
    try:
        for key, dataset in sorted(DATASETS.items()):
            newest, days = _newest_partition(layout.dataset_dir(lake_root, dataset))
            if newest is None:
                continue
            # batch names start with their UTC write time: the newest few hold the newest rows, and a day
            # of small live files (before compaction) is never read whole
            files = sorted(str(p) for p in newest.glob("*.parquet") if layout.is_batch_file(p))[-NEWEST_FILES:]
            if not files:
                continue
            rows = con.execute("select max(observed_at) from read_parquet($files)", {"files": files}).fetchall()
            out.append(Freshness(key, rows[0][0], days))
    finally:
        con.close()
    return out
