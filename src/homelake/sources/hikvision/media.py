"""Snapshots as media files: content-addressed, date-partitioned, written atomically beside the lake."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError


@dataclass(frozen=True)
class Stored:
    path: str  # relative to the media root: hikvision/<camera>/date=YYYY-MM-DD/<sha256>.jpg
    sha256: str
    size: int
    width: int | None
    height: int | None


def _size(jpeg: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(jpeg)) as image:  # reads the header only
            width, height = image.size
            return int(width), int(height)
    except (UnidentifiedImageError, OSError):
        return None, None


def store_snapshot(root: Path, camera: str, jpeg: bytes, taken_at: datetime) -> Stored:
    """Write `jpeg` once under `root` (the same picture twice is one file); a crash leaves at most a .tmp file."""
    digest = hashlib.sha256(jpeg).hexdigest()
    relative = Path("hikvision") / camera / f"date={taken_at.astimezone(UTC):%Y-%m-%d}" / f"{digest}.jpg"
    target = root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{digest}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(jpeg)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    width, height = _size(jpeg)
    return Stored(relative.as_posix(), digest, len(jpeg), width, height)
