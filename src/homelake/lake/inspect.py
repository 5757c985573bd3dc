"""Read-only views of the lake: per-dataset statistics and the schema documentation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from homelake.lake import layout
from homelake.lake.schemas import ORIGIN_FIELDS, Dataset


@dataclass
class DatasetStats:
    key: str
    partitions: int
    files: int
    rows: int
    bytes: int
    first_day: str | None
    last_day: str | None


def dataset_stats(root: Path, dataset: Dataset) -> DatasetStats:
    base = layout.dataset_dir(root, dataset)
    days: set[str] = set()
    files = rows = size = 0
    for path in base.glob("date=*/*.parquet"):
        if path.name == layout.ANCHOR_NAME:
            continue
        days.add(path.parent.name.removeprefix("date="))
        files += 1
        size += path.stat().st_size
        rows += pq.ParquetFile(path).metadata.num_rows
    ordered = sorted(days)
    return DatasetStats(
        dataset.key,
        len(days),
        files,
        rows,
        size,
        ordered[0] if ordered else None,
        ordered[-1] if ordered else None,
    )


def lake_stats(root: Path, datasets: Iterable[Dataset]) -> list[DatasetStats]:
    return [dataset_stats(root, d) for d in datasets]


def schema_markdown(datasets: Iterable[Dataset]) -> str:
    """Markdown tables of every dataset's columns, generated from the declared schemas."""
    out = ["Every row starts with the origin columns:", "", "| column | type | null |", "|---|---|---|"]
    out += [f"| `{f.name}` | {f.type} | {'yes' if f.nullable else 'no'} |" for f in ORIGIN_FIELDS]
    for d in sorted(datasets, key=lambda d: d.key):
        out += [
            "",
            f"#### `raw/{d.key}/`",
            "",
            d.description,
            "",
            "| column | type | null |",
            "|---|---|---|",
        ]
        out += [f"| `{f.name}` | {f.type} | {'yes' if f.nullable else 'no'} |" for f in d.fields]
    return "\n".join(out) + "\n"
