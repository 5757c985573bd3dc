"""A clock that only moves when told to: simulators and ingesters take it where they take `datetime.now`."""

from __future__ import annotations

from datetime import datetime


class ManualClock:
    """`clock()` is `clock.t`; tests set or advance `t` to drive simulated time."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t
