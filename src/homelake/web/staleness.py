"""How old a "now" figure is, and whether it is too old to stand for now (greyed out on the pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homelake.web.fmt import duration

# How long each kind of "now" figure stays current. Power and inventory are polled every minute or so;
# climate sensors on battery report every few minutes to hours; "energy today" is summed per hour.
STALE_AFTER = {
    "power": timedelta(minutes=15),
    "devices": timedelta(minutes=15),
    "energy": timedelta(hours=1),
    "climate": timedelta(hours=2),
    # the uplink's figures are its newest probe hour's: that hour's start is up to an hour old when current
    "uplink": timedelta(hours=2),
}


@dataclass(frozen=True)
class Age:
    """The age of a figure at page time: `text` ("3.5 h ago", "no reading") and `is_stale`."""

    at: datetime | None
    seconds: float | None
    is_stale: bool
    limit: timedelta

    @property
    def text(self) -> str:
        return "no reading" if self.seconds is None else duration(max(self.seconds, 0.0)) + " ago"

    @property
    def title(self) -> str:
        """A tooltip saying why a figure is greyed (or that it is current)."""
        if self.seconds is None:
            return "no reading yet"
        state = "stale" if self.is_stale else "current"
        return f"{state}: newest reading {self.text}; stale after {duration(self.limit)}"


def age_of(at: datetime | None, now: datetime, kind: str) -> Age:
    """The age of a reading taken `at` (timezone-aware) as seen at `now`; no reading counts as stale."""
    limit = STALE_AFTER[kind]
    if at is None:
        return Age(None, None, True, limit)
    seconds = (now - at).total_seconds()
    return Age(at, seconds, seconds > limit.total_seconds(), limit)
