"""The instants tests simulate at: every simulated history ends at a pinned time, never at the wall clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import time_machine

# A fresh clone's run failed at this wall time: the network e2e's 1.5-day window then held no address
# change, so its precondition failed. Its window is pinned now (NETWORK_AT); the sweep still runs here.
FAILED_AT = datetime(2026, 12, 7, 12, 40, tzinfo=UTC)
# Wednesday 13:40 in Berlin: a 1.5-day window ending then holds the bedroom TV's weekly reboot (Wednesday
# 03:40 local), which gives it a new address, and spans two site-local days (the dashboard tests need both).
NETWORK_AT = datetime(2026, 12, 9, 12, 40, tzinfo=UTC)
# For simulators that serve one instant (a Tuesday evening, people at home).
SERVED_AT = datetime(2026, 12, 8, 18, 30, tzinfo=UTC)


@contextmanager
def clock_from(start: datetime) -> Iterator[None]:
    """Live phases (real servers, pollers, the MQTT ingester, all on the wall clock) run as if the wall
    clock had read `start` when the block began: time-machine moves `datetime.now` and `time.time` in every
    thread of this process and lets them tick. Monotonic time, other processes (Mosquitto, Chromium), DuckDB's
    `now()` and OpenSSL's certificate checks keep the real clock, so no certificate may be made inside."""
    with time_machine.travel(start, tick=True):
        yield


def ticking_clock(start: datetime) -> Callable[[], datetime]:
    """A clock to inject: it reads `start` now and runs on at the pace of the monotonic clock."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)
