"""Snapshots as media files: content-addressed, date-partitioned, written atomically beside the lake."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from homelake.sources.base import ParseContext


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


class FrameCache:
    """The last `size` frames of each channel, fetched while something moves on the camera: an episode's
    snapshot is the frame closest to its start, which may be one fetched just before the trigger arrived."""

    def __init__(self, size: int, every_s: float) -> None:
        self.size, self.every_s = size, every_s
        self.frames: dict[int, deque[tuple[datetime, bytes]]] = {}

    def due(self, channel: int, now: datetime) -> bool:
        """Whether a new frame of `channel` is worth fetching now (none cached in the last `every_s`)."""
        frames = self.frames.get(channel)
        return self.size > 0 and (not frames or (now - frames[-1][0]).total_seconds() >= self.every_s)

    def add(self, channel: int, at: datetime, jpeg: bytes) -> None:
        if self.size > 0:
            self.frames.setdefault(channel, deque(maxlen=self.size)).append((at, jpeg))

    def closest(self, channel: int, at: datetime, within_s: float = 30.0) -> tuple[datetime, bytes] | None:
        """The cached frame of `channel` closest in time to `at` (the earlier one on a tie); None when none
        is within `within_s` of it."""
        near = [f for f in self.frames.get(channel, ()) if abs((f[0] - at).total_seconds()) <= within_s]
        return min(near, key=lambda f: (abs((f[0] - at).total_seconds()), f[0])) if near else None


def snapshot_row(  # noqa: PLR0913 - the picture, when and what it is of
    root: Path,
    ctx: ParseContext,
    jpeg: bytes,
    *,
    taken: datetime,
    channel: int,
    trigger: str,
    event: dict[str, Any] | None = None,
    burst_index: int | None = None,
) -> dict[str, Any]:
    """Store `jpeg` under `root` and describe it as a hikvision/snapshots row (`event`: the alerts row of the
    episode start it is for; None for a scheduled picture)."""
    stored = store_snapshot(root, ctx.device_id, jpeg, taken)
    event_at: datetime | None = event["observed_at"] if event else None
    return {
        **ctx.origin(), "observed_at": taken, "channel": channel, "trigger": trigger,
        "event_type": event["event_type"] if event else None, "target_type": event["target_type"] if event else None,
        "event_at": event_at, "taken_at": taken,
        "snapshot_lag_ms": round((taken - event_at).total_seconds() * 1000) if event_at else None,
        "sha256": stored.sha256, "bytes": stored.size, "width": stored.width, "height": stored.height,
        "path": stored.path, "from_frame_cache": False,
        "burst_index": burst_index if burst_index is not None else (0 if event else None),
    }  # fmt: skip
