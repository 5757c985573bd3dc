"""Media beside the lake (camera snapshots): `<media_dir>/<family>/<device>/date=YYYY-MM-DD/<sha256>.<ext>`.
Stats for `homelake lake stats`, and retention separate from the rows' retention: files older than a number of
days, then the oldest beyond a size cap, are deleted; the lake rows that describe them stay (and are marked by a
row per deleted file in `<family>/media_deletions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

MEDIA_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class MediaFile:
    path: str  # relative to the media root
    family: str
    device_id: str
    day: date
    sha256: str
    bytes: int


@dataclass(frozen=True)
class MediaStats:
    root: Path
    files: int
    bytes: int
    first_day: str | None
    last_day: str | None


def media_files(root: Path) -> list[MediaFile]:
    """Every media file under `root` in the layout, oldest day first (temporary files are not media)."""
    found = []
    for path in root.glob("*/*/date=*/*"):
        if path.suffix.lower() not in MEDIA_SUFFIXES or path.name.startswith(".") or not path.is_file():
            continue
        family, device, part = path.relative_to(root).parts[:3]
        try:
            day = date.fromisoformat(part.removeprefix("date="))
        except ValueError:
            continue  # not our layout: never touched
        found.append(MediaFile(path.relative_to(root).as_posix(), family, device, day, path.stem, path.stat().st_size))
    return sorted(found, key=lambda f: (f.day, f.path))


def media_stats(root: Path) -> MediaStats:
    files = media_files(root) if root.is_dir() else []
    days = [f.day.isoformat() for f in files]
    return MediaStats(root, len(files), sum(f.bytes for f in files), min(days, default=None), max(days, default=None))


def apply_media_retention(
    root: Path, *, keep_days: int | None, max_bytes: int | None, today: date | None = None
) -> list[tuple[MediaFile, str]]:
    """Delete media whose (UTC) day is more than `keep_days` before today, then the oldest files until the rest
    fit in `max_bytes`; returns each deleted file with why (`age` or `size_cap`)."""
    if keep_days is not None and keep_days < 1:
        raise ValueError("media retention must keep at least one day")
    files = media_files(root) if root.is_dir() else []
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=keep_days) if keep_days else None
    deleted: list[tuple[MediaFile, str]] = []
    kept = []
    for item in files:
        if cutoff is not None and item.day < cutoff:
            deleted.append((item, "age"))
        else:
            kept.append(item)
    if max_bytes is not None:
        total = sum(f.bytes for f in kept)
        for item in list(kept):  # oldest first
            if total <= max_bytes:
                break
            deleted.append((item, "size_cap"))
            kept.remove(item)
            total -= item.bytes
    for item, _ in deleted:
        (root / item.path).unlink(missing_ok=True)
    return deleted
