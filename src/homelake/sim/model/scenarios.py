"""Named weather and power scenarios, chosen by the site's seed: the demo's seed has none (its weather is the
plain seasonal model); a scenario seed gives whole weeks of one kind of weather and equipment outages, so a long
e2e can check the marts through sunny, cloudy and snowy weeks and a battery drained to empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

WeekKind = Literal["sunny", "cloudy", "snowy"]
WEEK_S = 7 * 86400.0


@dataclass(frozen=True)
class Scenario:
    """Weeks of weather from `start` (one kind each, then the plain model again), and the windows in which the
    generator cannot run (out of fuel, in for service)."""

    start: datetime
    weeks: tuple[WeekKind, ...]
    generator_out: tuple[tuple[datetime, datetime], ...] = ()

    def week_kind(self, ts: float) -> WeekKind | None:
        index = int((ts - self.start.timestamp()) // WEEK_S)
        return self.weeks[index] if 0 <= index < len(self.weeks) else None


# A winter month: a sunny week, a cloudy week in which the generator runs out of fuel for a day and a half (the
# battery drains to empty and the inverter sheds the load), a snowy week (the array under snow), a cloudy week.
MONTH_SEED = 31
MONTH_START = datetime(2026, 1, 4, 23, 0, tzinfo=UTC)  # Monday 5 January 2026, 00:00 in Berlin
MONTH = Scenario(
    start=MONTH_START,
    weeks=("sunny", "cloudy", "snowy", "cloudy", "sunny"),
    generator_out=((MONTH_START + timedelta(days=9, hours=6), MONTH_START + timedelta(days=10, hours=18)),),
)
SCENARIOS: dict[int, Scenario] = {MONTH_SEED: MONTH}


def week_kind(seed: int, ts: float) -> WeekKind | None:
    """The kind of weather week `ts` falls in for a scenario seed; None for the plain model."""
    scenario = SCENARIOS.get(seed)
    return scenario.week_kind(ts) if scenario is not None else None


def generator_out(seed: int) -> tuple[tuple[datetime, datetime], ...]:
    scenario = SCENARIOS.get(seed)
    return scenario.generator_out if scenario is not None else ()
