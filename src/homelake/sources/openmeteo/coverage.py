"""Which site-local days lack observed weather in the lake: the hours some run carried as already happened.

The lake's layout and this family's own dataset are the contract: `raw/openmeteo/weather/date=YYYY-MM-DD/*.parquet`
(UTC date of the fetch), hourly rows whose `time` is at or before their `issued_at` (a past hour, not a forecast)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from homelake.sources.openmeteo.datasets import OPENMETEO_WEATHER

COLUMNS = ["device_id", "granularity", "time", "issued_at", "temperature_2m"]
HOUR_S = 3600


def day_hours(day: date, zone: tzinfo) -> list[int]:
    """The UTC hours (epoch hours) of a day in `zone`: 23 or 25 on the days the clocks change."""
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    return list(range(int(start.timestamp()) // HOUR_S, int(end.timestamp()) // HOUR_S))


def longest_gap_h(hours: list[int], observed: set[int]) -> int:
    longest = run = 0
    for hour in hours:
        run = 0 if hour in observed else run + 1
        longest = max(longest, run)
    return longest


def missing_days(days: list[date], zone: tzinfo, observed: set[int], min_gap_h: int) -> list[date]:
    """The days with at least `min_gap_h` hours in a row that no run carried as observed."""
    return [day for day in days if longest_gap_h(day_hours(day, zone), observed) >= min_gap_h]


class LakeCoverage:
    """The observed hours of one location, from the lake's weather files; each file is read once (lake files are
    immutable once written; a compacted file read again adds the same hours)."""

    def __init__(self, lake_root: Path | None, location: str) -> None:
        self.folder = lake_root / "raw" / OPENMETEO_WEATHER.family / OPENMETEO_WEATHER.name if lake_root else None
        self.location = location
        self.hours: set[int] = set()
        self._read: set[Path] = set()

    def add(self, times: list[datetime]) -> None:
        """Hours known observed without reading them back (rows this collector just made durable)."""
        self.hours.update(int(t.timestamp()) // HOUR_S for t in times)

    def observed_hours(self, since: datetime) -> set[int]:
        """Every observed hour from `since` on (files of fetches on or after its UTC date)."""
        if self.folder is not None and self.folder.exists():
            first = f"date={since.astimezone(UTC).date().isoformat()}"
            for part in sorted(p for p in self.folder.glob("date=*") if p.name >= first):
                for file in sorted(part.glob("*.parquet")):
                    if file not in self._read:
                        self._read.add(file)
                        self._read_file(file)
        floor = int(since.timestamp()) // HOUR_S
        self.hours = {hour for hour in self.hours if hour >= floor}
        return self.hours

    def _read_file(self, file: Path) -> None:
        table = pq.read_table(file, columns=COLUMNS)
        keep = pc.and_(
            pc.and_(pc.equal(table["device_id"], self.location), pc.equal(table["granularity"], "hourly")),
            pc.and_(pc.less_equal(table["time"], table["issued_at"]), pc.is_valid(table["temperature_2m"])),
        )
        self.add(table.filter(keep)["time"].to_pylist())
