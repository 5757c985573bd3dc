"""The time range of a page or chart: `from`/`to` (site-local dates or times) or a quick `range=`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

MAX_SPAN = timedelta(days=800)
QUICK = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT_DAYS = 7


class RangeError(ValueError):
    """`from`/`to`/`range` cannot be understood; the message says what is expected."""


@dataclass(frozen=True)
class TimeRange:
    """A half-open UTC interval [start_at, end_at) and the site zone it was chosen in."""

    start_at: datetime
    end_at: datetime
    tz: ZoneInfo

    @property
    def start_local(self) -> datetime:
        return self.start_at.astimezone(self.tz).replace(tzinfo=None)

    @property
    def end_local(self) -> datetime:
        return self.end_at.astimezone(self.tz).replace(tzinfo=None)

    @property
    def first_day(self) -> date:
        return self.start_local.date()

    @property
    def last_day(self) -> date:
        """The last site-local day the range touches (the end is exclusive)."""
        return (self.end_local - timedelta(microseconds=1)).date()

    @property
    def span(self) -> timedelta:
        return self.end_at - self.start_at

    @property
    def bucket(self) -> str:
        """Chart resolution: hourly up to two weeks, then daily, so a year stays a few hundred points."""
        return "hour" if self.span <= timedelta(days=14) else "day"

    def params(self) -> dict[str, str]:
        """The range as query parameters (site-local ISO times), to hand on to chart endpoints."""
        return {"from": _iso(self.start_local), "to": _iso(self.end_local)}

    def query(self, **extra: str) -> str:
        return urlencode({**self.params(), **extra})

    def form_from(self) -> str:
        return self.first_day.isoformat()

    def form_to(self) -> str:
        return self.last_day.isoformat()

    def utc_params(self) -> dict[str, datetime]:
        return {"start_at": self.start_at, "end_at": self.end_at}

    def local_params(self) -> dict[str, datetime]:
        return {"start_local": self.start_local, "end_local": self.end_local}

    def day_params(self) -> dict[str, date]:
        return {"first_day": self.first_day, "last_day": self.last_day}


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="minutes") if value.second == 0 else value.isoformat(timespec="seconds")


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _parse(value: str, name: str, tz: ZoneInfo, *, is_end: bool) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            # a date as `to` means "through the end of that day"
            return _local_midnight(day + timedelta(days=1) if is_end else day, tz)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RangeError(f"{name}={value!r} is not a date (2024-05-01) or a local time (2024-05-01T10:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def parse_range(
    start: str | None,
    end: str | None,
    quick: str | None,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> TimeRange:
    """Resolve the request's range; without one, the last seven site-local days including today."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.astimezone(tz).date()
    if quick:
        if quick not in QUICK:
            raise RangeError(f"range={quick!r} is not one of {', '.join(QUICK)}")
        if quick == "24h":
            return TimeRange(now - QUICK[quick], now, tz)
        days = QUICK[quick].days
        first_day = today - timedelta(days=days - 1)
        return TimeRange(_local_midnight(first_day, tz), _local_midnight(today + timedelta(days=1), tz), tz)
    end_at = _parse(end, "to", tz, is_end=True) if end else _local_midnight(today + timedelta(days=1), tz)
    if start:
        start_at = _parse(start, "from", tz, is_end=False)
    else:
        last_day = (end_at.astimezone(tz) - timedelta(microseconds=1)).date()
        start_at = _local_midnight(last_day - timedelta(days=DEFAULT_DAYS - 1), tz)
    if start_at >= end_at:
        raise RangeError("from must be before to")
    if end_at - start_at > MAX_SPAN:
        raise RangeError(f"the range may span at most {MAX_SPAN.days} days")
    return TimeRange(start_at, end_at, tz)
