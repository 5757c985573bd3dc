"""Where lake files live: `raw/<family>/<dataset>/date=YYYY-MM-DD/<batch>.parquet` (UTC dates)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from homelake.lake.schemas import Dataset

ANCHOR_DATE = date(1970, 1, 1)
ANCHOR_NAME = "_schema.parquet"
TMP_SUFFIX = ".tmp"
_BATCH = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}\.parquet$")


def dataset_dir(root: Path, dataset: Dataset) -> Path:
    return root / "raw" / dataset.family / dataset.name


def partition_dir(root: Path, dataset: Dataset, day: date) -> Path:
    return dataset_dir(root, dataset) / f"date={day.isoformat()}"


def batch_name(now: datetime | None = None) -> str:
    """A sortable, collision-free file name: UTC write time plus a random suffix."""
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:12]}.parquet"


def is_batch_file(path: Path) -> bool:
    return bool(_BATCH.match(path.name))


def anchor_path(root: Path, dataset: Dataset) -> Path:
    """A zero-row file with the declared schema, so readers find every dataset even before data."""
    return partition_dir(root, dataset, ANCHOR_DATE) / ANCHOR_NAME


def glob_pattern(root: Path, dataset: Dataset) -> str:
    return str(dataset_dir(root, dataset) / "*" / "*.parquet")
