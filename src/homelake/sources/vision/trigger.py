"""What triggers an analysis: a new row of a camera family's `snapshots` dataset in the lake, for an episode start
of a class the camera is opted in for (each picture of its burst), or a motion sensor of a configured zone that
starts reporting motion (a burst the zone's cameras take then, or their stored pictures nearest it). The lake's
layout and the datasets' columns are the contract (no import of another family):
`raw/<family>/snapshots/date=YYYY-MM-DD/*.parquet` with device_id, trigger, target_type, taken_at, sha256 and path
(relative to the media root); and
`raw/<family>/sensor_readings/...` with device_id, observed_at and a boolean `motion` or `occupancy`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

COLUMNS = ["device_id", "trigger", "target_type", "taken_at", "sha256", "path"]
EPISODE_START = "episode_start"


MOTION_COLUMNS = ("motion", "occupancy")
KEEP = timedelta(hours=2)  # how long pictures stay in memory for motion to find


@dataclass(frozen=True)
class Snapshot:
    camera: str
    target_type: str | None
    taken_at: datetime
    sha256: str
    path: str  # relative to the media root
    trigger: str = EPISODE_START


class SnapshotFeed:
    """New snapshot rows of the given UTC days, each lake file read once (files are immutable once written); the
    pictures of the last `KEEP` of every trigger stay at hand for `near()`."""

    def __init__(self, lake_root: Path) -> None:
        self.lake_root = lake_root
        self._read: set[Path] = set()
        self.recent: list[Snapshot] = []

    def new(self, days: list[str]) -> list[Snapshot]:
        found: list[Snapshot] = []
        for day in days:
            for file in sorted((self.lake_root / "raw").glob(f"*/snapshots/date={day}/*.parquet")):
                if file in self._read:
                    continue
                self._read.add(file)
                table = pq.read_table(file, columns=COLUMNS)
                for row in table.to_pylist():
                    if not (row["sha256"] and row["path"] and row["taken_at"]):
                        continue
                    snap = Snapshot(row["device_id"], row["target_type"], row["taken_at"], row["sha256"], row["path"],
                                    row["trigger"] or "")  # fmt: skip
                    self.recent.append(snap)
                    if snap.trigger == EPISODE_START:
                        found.append(snap)
        if self.recent:
            newest = max(s.taken_at for s in self.recent)
            self.recent = [s for s in self.recent if s.taken_at >= newest - KEEP]
        return found

    def near(self, camera: str, at: datetime, window_s: float, count: int) -> list[Snapshot]:
        """Up to `count` pictures of `camera` taken within `window_s` of `at`, the nearest first."""
        close = [s for s in self.recent if s.camera == camera and abs((s.taken_at - at).total_seconds()) <= window_s]
        close.sort(key=lambda s: (abs((s.taken_at - at).total_seconds()), s.taken_at, s.sha256))
        unique: dict[str, Snapshot] = {}
        for snap in close:
            unique.setdefault(snap.sha256, snap)
        return list(unique.values())[:count]


@dataclass(frozen=True)
class MotionStart:
    sensor: str
    at: datetime


class MotionFeed:
    """Starts of motion (a reading with motion after one without, or the first one seen) of the given sensors in
    new `sensor_readings` rows of any family, each lake file read once; a reading no newer than the sensor's latest
    one seen (the same row again: redelivered, or rewritten by compaction) is ignored, so it starts nothing twice."""

    def __init__(self, lake_root: Path, sensors: set[str]) -> None:
        self.lake_root, self.sensors = lake_root, {s.lower() for s in sensors}  # ids compared without case
        self._read: set[Path] = set()
        self._moving: dict[str, bool] = {}
        self._last_at: dict[str, datetime] = {}  # a reading seen again (redelivered, compacted) is no news

    def new(self, days: list[str]) -> list[MotionStart]:
        readings: list[tuple[datetime, str, bool]] = []
        for day in days:
            for file in sorted((self.lake_root / "raw").glob(f"*/sensor_readings/date={day}/*.parquet")):
                if file in self._read:
                    continue
                self._read.add(file)
                names = pq.read_schema(file).names
                flags = [c for c in MOTION_COLUMNS if c in names]
                if not flags:
                    continue
                for row in pq.read_table(file, columns=["device_id", "observed_at", *flags]).to_pylist():
                    values = [row[c] for c in flags if row[c] is not None]
                    sensor = str(row["device_id"] or "").lower()
                    if sensor in self.sensors and values:
                        readings.append((row["observed_at"], sensor, any(values)))
        starts = []
        for at, sensor, moving in sorted(readings):
            if sensor in self._last_at and at <= self._last_at[sensor]:
                continue
            self._last_at[sensor] = at
            if moving and not self._moving.get(sensor, False):
                starts.append(MotionStart(sensor, at))
            self._moving[sensor] = moving
        return starts


def wanted(classes: list[str], target_type: str | None) -> bool:
    """Does an episode of `target_type` trigger an analysis for a camera opted in for `classes`?"""
    return "any" in classes or (target_type or "").lower() in classes
