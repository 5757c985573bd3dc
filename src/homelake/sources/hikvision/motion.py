"""Motion sensors near a camera, read from the lake: any family's `sensor_readings` rows with a true motion flag."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

log = logging.getLogger(__name__)
# the contract (no import of another family): raw/<family>/sensor_readings/date=YYYY-MM-DD/*.parquet with
# device_id, observed_at and a boolean `motion` (Shelly Motion) or `occupancy` (Zigbee)
MOTION_COLUMNS = ("motion", "occupancy")


class NearbyMotion:
    """When each listed sensor last reported motion. `refresh` reads only the files of today's and yesterday's
    UTC partitions that it has not read before (lake files are immutable once written), and only the rows of
    the listed sensors with motion; `moving` says whether any reported motion within `window_s` of now."""

    def __init__(self, lake_root: Path, sensors: Iterable[str], window_s: float) -> None:
        self.lake_root, self.window_s = lake_root, window_s
        self.sensors = sorted({s.lower() for s in sensors})  # device ids compared without case
        self.last_motion: dict[str, datetime] = {}
        self._read: set[Path] = set()

    def refresh(self, now: datetime) -> None:
        days = [(now - timedelta(days=d)).date().isoformat() for d in (1, 0)]
        raw = self.lake_root / "raw"
        files = [f for day in days for f in sorted(raw.glob(f"*/sensor_readings/date={day}/*.parquet"))]
        for file in files:
            if file not in self._read:
                self._read.add(file)
                self._take(file)
        self._read &= set(files)  # forget the files of days no longer read

    def _take(self, file: Path) -> None:
        try:
            names = pq.read_schema(file).names
            flags = [c for c in MOTION_COLUMNS if c in names]
            if not flags or "device_id" not in names:
                return
            table = pq.read_table(file, columns=["device_id", "observed_at", *flags])
        except (OSError, pa.ArrowException) as exc:
            log.warning("nearby motion: cannot read file=%s: %s", file, exc)
            return
        moving = pc.fill_null(table[flags[0]], False)
        for column in flags[1:]:
            moving = pc.or_(moving, pc.fill_null(table[column], False))
        mine = pc.is_in(pc.utf8_lower(table["device_id"]), value_set=pa.array(self.sensors, pa.string()))
        hits = table.filter(pc.and_(moving, pc.fill_null(mine, False)))
        for row in hits.select(["device_id", "observed_at"]).to_pylist():
            sensor, at = str(row["device_id"]).lower(), row["observed_at"]
            if at is not None and (sensor not in self.last_motion or at > self.last_motion[sensor]):
                self.last_motion[sensor] = at

    def moving(self, now: datetime) -> bool:
        """A listed sensor reported motion at most `window_s` before (or after: clocks differ) `now`."""
        return any(abs((now - at).total_seconds()) <= self.window_s for at in self.last_motion.values())
