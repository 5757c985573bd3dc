"""When each client is online: per-day plans from schedules, merged into sessions, and where it roams."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from homelake.sim.model import noise
from homelake.sim.model.model import Client, Window

Span = tuple[float, float]  # [start, end): minutes of a local day, or UTC epoch seconds
SLOT_S = 1800  # mobile devices redraw their room every half hour
LONG_GAP_S = 86400.0  # back after more than a day away: the old dynamic lease is gone, new address
REBOOT_MIN = 10


def _normalize(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    return _normalize([(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b])


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    result = _normalize(a)
    for cut_start, cut_end in _normalize(b):
        pieces: list[Span] = []
        for start, end in result:
            pieces += [(start, min(end, cut_start)), (max(start, cut_end), end)]
        result = _normalize(pieces)
    return result


def _away(pattern: str, name: str, day: date, seed: int) -> list[Span]:
    """Minutes of the local day a resident is out of the house."""
    wd, u = day.weekday(), lambda lo, hi, tag: noise.uniform(lo, hi, seed, name, day, tag)
    if pattern == "commuter":
        if wd < 5:
            return [(450 + u(-20, 20, "leave"), 1035 + u(0, 90, "back"))]
        if wd == 5 and noise.chance(0.6, seed, name, day, "sat"):
            return [(600 + u(-30, 30, "leave"), 780 + u(-30, 60, "back"))]
        if wd == 6 and noise.chance(0.5, seed, name, day, "sun"):
            return [(900.0, 1020 + u(0, 45, "back"))]
        return []
    if pattern == "traveller":
        # every odd ISO week: away from Tuesday 06:00 to Thursday evening (more than a day)
        if day.isocalendar().week % 2 == 1 and wd in (1, 2, 3):
            return [(0.0, 1440.0) if wd == 2 else (360.0, 1440.0) if wd == 1 else (0.0, 1170 + u(-20, 40, "b"))]
        if wd in (1, 3):
            return [(480 + u(-15, 15, "leave"), 1110 + u(-30, 30, "back"))]
        if wd < 5 and noise.chance(0.3, seed, name, day, "lunch"):
            return [(735.0, 780 + u(0, 20, "back"))]
        if wd == 5 and noise.chance(0.5, seed, name, day, "shop"):
            return [(570.0, 690 + u(0, 30, "back"))]
        return []
    if pattern == "student":
        if wd < 5:
            return [(440 + u(-10, 10, "leave"), (1020 if wd in (1, 3) else 870) + u(-20, 20, "back"))]
        if noise.chance(0.5, seed, name, day, "out"):
            return [(840.0, 1080 + u(0, 60, "back"))]
        return []
    raise ValueError(f"unknown person pattern {pattern!r}")


def person_home(pattern: str, name: str, day: date, seed: int) -> list[Span]:
    """Minutes of the local day a person is at the site (a visitor only during visits)."""
    if pattern == "visitor":
        wd = day.weekday()
        if wd in (4, 5) and noise.chance(0.5, seed, name, day, "visit"):
            return [(1140 + noise.uniform(-30, 30, seed, name, day, "a"), 1410.0)]
        if wd == 6 and noise.chance(0.3, seed, name, day, "lunch"):
            return [(720.0, 900.0)]
        return []
    return subtract([(0.0, 1440.0)], _away(pattern, name, day, seed))


def _windows(windows: tuple[Window, ...], key: str, day: date, seed: int) -> list[Span]:
    spans: list[Span] = []
    for index, w in enumerate(windows):
        if day.weekday() in w.days and noise.chance(w.probability, seed, key, day, "win", index):
            shift = noise.uniform(-w.jitter_min, w.jitter_min, seed, key, day, "jit", index)
            spans.append((w.start_min + shift, w.end_min if w.end_min >= 1440 else w.end_min + shift))
    return _normalize([(max(0.0, s), min(1440.0, e)) for s, e in spans])


def local_epoch(day: date, minute: float, tz: tzinfo) -> float:
    """UTC epoch seconds of a minute of a local day (minute 1440 = the next local midnight)."""
    if minute >= 1440:
        return datetime.combine(day + timedelta(days=1), time(0), tz).timestamp()
    whole = int(minute)
    wall = datetime.combine(day, time(whole // 60, whole % 60), tz)
    return float(round(wall.timestamp() + (minute - whole) * 60))  # whole seconds, like RouterOS


@dataclass(frozen=True)
class DayPlan:
    """One local day of a client: online spans (epoch seconds) and session starts that bring a new IP."""

    spans: tuple[Span, ...]
    ip_change_at: tuple[float, ...] = ()


def day_plan(client: Client, day: date, tz: tzinfo, seed: int, persons: dict[str, str]) -> DayPlan:
    """The client's online spans on one local day, a pure function of (seed, client, day)."""
    p = client.presence
    day_start, day_end = local_epoch(day, 0, tz), local_epoch(day, 1440, tz)
    if p.mode == "never":
        return DayPlan(())
    if p.mode == "sleeper":
        phase = float(round(noise.uniform(0, SLOT_S, seed, client.id, "phase")))
        first = int((day_start - phase) // SLOT_S)
        wakes = [(first + k) * SLOT_S + phase for k in range(int((day_end - day_start) // SLOT_S) + 2)]
        clipped = [(max(w, day_start), min(w + 60, day_end)) for w in wakes]
        return DayPlan(tuple(s for s in clipped if s[1] > s[0]))
    minutes: list[Span] = [(0.0, 1440.0)]
    if p.mode == "person":
        assert p.person is not None
        minutes = person_home(persons[p.person], p.person, day, seed)
        if p.usage:
            minutes = intersect(minutes, _windows(p.usage, client.id, day, seed))
    elif p.mode == "windows":
        minutes = _windows(p.usage, client.id, day, seed)
    if p.outage_per_day and noise.chance(p.outage_per_day, seed, client.id, day, "outage"):
        begin = noise.uniform(60, 1380, seed, client.id, day, "outage-at")
        minutes = subtract(minutes, [(begin, begin + noise.uniform(2, 12, seed, client.id, day, "outage-len"))])
    changes: list[float] = []
    if p.reboot_weekly is not None and day.weekday() == p.reboot_weekly[0]:
        at = float(p.reboot_weekly[1])
        if any(s <= at < e for s, e in minutes):
            minutes = subtract(minutes, [(at, at + REBOOT_MIN)])
            changes.append(local_epoch(day, at + REBOOT_MIN, tz))
    return DayPlan(tuple((local_epoch(day, s, tz), local_epoch(day, e, tz)) for s, e in minutes), tuple(changes))


class Timeline:
    """A client's merged online sessions, built lazily day by day from `origin`, and its IP change times.

    Thread-safe: the router simulators query it from several request threads.
    """

    def __init__(self, plan: Callable[[date], DayPlan], tz: tzinfo, origin: date, dynamic: bool) -> None:
        self._plan, self._tz, self._dynamic = plan, tz, dynamic
        self._lock = threading.Lock()
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._changes: list[float] = []
        self._next_day = origin
        self.origin_ts = local_epoch(origin, 0, tz)
        self._covered_until = self.origin_ts
        self.rooms: dict[int, str] = {}  # half-hour slot -> room, filled by the state code (pure, so cacheable)

    def _extend_to(self, t: float) -> None:
        while self._covered_until <= t:
            plan = self._plan(self._next_day)
            new_starts: set[float] = set()
            for start, end in plan.spans:
                if self._ends and start <= self._ends[-1]:
                    self._ends[-1] = max(self._ends[-1], end)
                    continue
                if self._dynamic and self._ends and start - self._ends[-1] > LONG_GAP_S:
                    self._changes.append(start)
                self._starts.append(start)
                self._ends.append(end)
                new_starts.add(start)
            if self._dynamic:
                self._changes = sorted(set(self._changes) | (set(plan.ip_change_at) & new_starts))
            self._covered_until = local_epoch(self._next_day, 1440, self._tz)
            self._next_day += timedelta(days=1)

    def session(self, t: float) -> tuple[float, float, bool] | None:
        """(start, end, online) of the latest session that started at or before t; end is only final when
        offline. None when the client has not been seen since the origin."""
        with self._lock:
            self._extend_to(t)
            index = bisect_right(self._starts, t) - 1
            if index < 0:
                return None
            return self._starts[index], self._ends[index], t < self._ends[index]

    def sessions(self, start: float, end: float) -> list[tuple[float, float]]:
        """(start, end) of every online session overlapping [start, end); ends are final (the plan is laid a
        day past `end`, so a session running on into the next day is merged already)."""
        with self._lock:
            self._extend_to(end + 86400)
            index = max(0, bisect_right(self._starts, start) - 1)
            found = []
            while index < len(self._starts) and self._starts[index] < end:
                if self._ends[index] > start:
                    found.append((self._starts[index], self._ends[index]))
                index += 1
            return found

    def ip_changes(self, t: float) -> int:
        """How many times the client's dynamic address changed between the origin and t."""
        with self._lock:
            self._extend_to(t)
            return bisect_right(self._changes, t)

    def is_online(self, t: float) -> bool:
        found = self.session(t)
        return found is not None and found[2]


def room_at(client: Client, t: float, tz: tzinfo, seed: int) -> str:
    """The room a client is in during the half-hour slot containing t."""
    if not client.roams:
        return client.room
    slot = int(t // SLOT_S)
    local = datetime.fromtimestamp(slot * SLOT_S, tz)
    minute, wd = local.hour * 60 + local.minute, local.weekday()
    for rule in client.roams:
        if wd in rule.days and rule.start_min <= minute < rule.end_min:
            return noise.weighted(rule.rooms, seed, client.mobility_key or client.id, slot)
    return client.room
