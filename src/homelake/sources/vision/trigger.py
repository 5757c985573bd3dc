"""What triggers an analysis: a new row of a camera family's `snapshots` dataset in the lake, for an episode start
of a class the camera is opted in for. The lake's layout and that dataset's columns are the contract (no import
of the camera family): `raw/<family>/snapshots/date=YYYY-MM-DD/*.parquet` with device_id, trigger, target_type,
taken_at, sha256 and path (relative to the media root)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

COLUMNS = ["device_id", "trigger", "target_type", "taken_at", "sha256", "path"]
EPISODE_START = "episode_start"


@dataclass(frozen=True)
class Snapshot:
    camera: str
    target_type: str | None
    taken_at: datetime
    sha256: str
    path: str  # relative to the media root


class SnapshotFeed:
    """New snapshot rows of the given UTC days, each lake file read once (files are immutable once written)."""

    def __init__(self, lake_root: Path) -> None:
        self.lake_root = lake_root
        self._read: set[Path] = set()

    def new(self, days: list[str]) -> list[Snapshot]:
        found: list[Snapshot] = []
        for day in days:
            for file in sorted((self.lake_root / "raw").glob(f"*/snapshots/date={day}/*.parquet")):
                if file in self._read:
                    continue
                self._read.add(file)
                table = pq.read_table(file, columns=COLUMNS)
                for row in table.to_pylist():
                    if row["trigger"] == EPISODE_START and row["sha256"] and row["path"]:
                        found.append(
                            Snapshot(row["device_id"], row["target_type"], row["taken_at"], row["sha256"], row["path"])
                        )
        return found


def wanted(classes: list[str], target_type: str | None) -> bool:
    """Does an episode of `target_type` trigger an analysis for a camera opted in for `classes`?"""
    return "any" in classes or (target_type or "").lower() in classes
