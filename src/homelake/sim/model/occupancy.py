"""Who is at home and where, from the presence model: arrivals, departures, door lock and motion truth."""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from typing import Any

from homelake.sim.model import noise
from homelake.sim.model.inventory import PERSONS
from homelake.sim.model.presence import local_epoch, person_home, room_at
from homelake.sim.model.site import Site

Span = tuple[float, float]
PHONES = {"anna": "phone-anna", "jonas": "phone-jonas", "mia": "phone-mia", "guest": "guest-phone"}
LOCK_USERS = {"anna": 1, "jonas": 2, "mia": 3}  # keypad user ids; the guest is let in by hand
OCCUPANCY_TIMEOUT_S = 90.0  # Z2M occupancy resets to false this long after the last detection
ROOM_SLOT_S = 300.0
# motion sensor -> room; the hall one is the Shelly Motion, the others Zigbee2MQTT friendly names
MOTION_ROOMS = {"shelly-motion-hall": "hall", "living_motion": "living", "kitchen_motion": "kitchen"}


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class Occupancy:
    """People of one site: pure functions of (seed, time), cached per local day."""

    def __init__(self, site: Site) -> None:
        self.site, self.seed, self.tz = site, site.seed, site.tz
        self._days: dict[tuple[str, date], list[Span]] = {}
        self._lock = threading.Lock()

    def _day(self, name: str, day: date) -> list[Span]:
        key = (name, day)
        with self._lock:
            found = self._days.get(key)
        if found is None:
            minutes = person_home(PERSONS[name], name, day, self.seed)
            found = [(local_epoch(day, s, self.tz), local_epoch(day, e, self.tz)) for s, e in minutes]
            with self._lock:
                self._days[key] = found
        return found

    def home_spans(self, name: str, start: float, end: float) -> list[Span]:
        """Merged spans (epoch s) a person is at home, overlapping [start, end); midnight is no boundary."""
        first = datetime.fromtimestamp(start, self.tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end, self.tz).date() + timedelta(days=1)
        spans: list[Span] = []
        day = first
        while day <= last:
            spans += self._day(name, day)
            day += timedelta(days=1)
        return [s for s in _merge(spans) if s[1] > start and s[0] < end]

    def is_home(self, name: str, t: float) -> bool:
        spans = self._day(name, datetime.fromtimestamp(t, self.tz).date())
        return any(s <= t < e for s, e in spans)

    def home(self, t: float) -> frozenset[str]:
        return frozenset(name for name in PERSONS if self.is_home(name, t))

    def room_of(self, name: str, t: float) -> str | None:
        if not self.is_home(name, t):
            return None
        return room_at(self.site.client(PHONES[name]), t, self.tz, self.seed)

    def movements(self, start: float, end: float) -> list[tuple[float, str, str]]:
        """(t, person, "arrive"|"leave") in [start, end), in time order."""
        found = []
        for name in PERSONS:
            for s, e in self.home_spans(name, start - 2 * 86400, end + 2 * 86400):
                found += [(s, name, "arrive"), (e, name, "leave")]
        return sorted(m for m in found if start <= m[0] < end)

    def door_events(self, start: float, end: float) -> list[dict[str, Any]]:
        """Front door lock actions: keypad unlock + auto lock on arrival, inside unlock + lock on leaving."""
        events = []
        for t, name, move in self.movements(start - 120, end + 120):
            user = LOCK_USERS.get(name)
            if move == "arrive":
                pair = [(t, "unlock" if user else "manual_unlock", "keypad" if user else "manual", user, "UNLOCK"),
                        (t + 60, "auto_lock", "manual", None, "LOCK")]  # fmt: skip
            else:
                pair = [(t - 30, "manual_unlock", "manual", None, "UNLOCK"),
                        (t + 15, "one_touch_lock", "manual", None, "LOCK")]  # fmt: skip
            events += [
                {
                    "t": _utc(at),
                    "action": action,
                    "source_name": source,
                    "user": uid,
                    "state": state,
                    "person": name,
                }  # fmt: skip
                for at, action, source, uid, state in pair
                if start <= at < end
            ]
        return sorted(events, key=lambda e: e["t"])

    def motion_spans(self, sensor: str, start: float, end: float) -> list[Span]:
        """Spans a motion sensor reports occupancy, overlapping [start, end)."""
        room = MOTION_ROOMS[sensor]
        spans: list[Span] = []
        slot = int((start - OCCUPANCY_TIMEOUT_S - ROOM_SLOT_S) // ROOM_SLOT_S)
        while slot * ROOM_SLOT_S < end:
            at = slot * ROOM_SLOT_S
            there = [n for n in PERSONS if self.room_of(n, at) == room] if room != "hall" else []
            if room == "hall" and self.home(at):
                hour = datetime.fromtimestamp(at, self.tz).hour
                there = ["someone"] if 6 <= hour < 23 and noise.chance(0.12, self.seed, sensor, slot) else []
            if there and noise.chance(0.45 + 0.15 * len(there), self.seed, sensor, slot, "p"):
                begin = at + round(noise.uniform(0, 200, self.seed, sensor, slot, "at"))
                spans.append((begin, begin + OCCUPANCY_TIMEOUT_S))
            slot += 1
        if room == "hall":  # everyone coming or going passes the hall
            for t, _, move in self.movements(start - 600, end + 600):
                begin = t - 20 if move == "leave" else t + 5
                spans.append((begin, begin + OCCUPANCY_TIMEOUT_S))
        return [s for s in _merge(spans) if s[1] > start and s[0] < end]

    def motion_at(self, sensor: str, t: float) -> bool:
        spans = self.motion_spans(sensor, t - 600, t + 1)
        index = bisect_right([s for s, _ in spans], t) - 1
        return index >= 0 and spans[index][0] <= t < spans[index][1]

    def motion_events(self, start: float, end: float) -> list[dict[str, Any]]:
        """Occupancy on/off transitions of every motion sensor in [start, end)."""
        events = []
        for sensor, room in MOTION_ROOMS.items():
            for s, e in self.motion_spans(sensor, start, end):
                events += [{"t": _utc(at), "sensor": sensor, "room": room, "occupancy": on}
                           for at, on in ((s, True), (e, False)) if start <= at < end]  # fmt: skip
        return sorted(events, key=lambda e: (e["t"], e["sensor"]))


_CACHE: weakref.WeakKeyDictionary[Site, Occupancy] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def occupancy(site: Site) -> Occupancy:
    """The (cached) occupancy model of a site."""
    with _CACHE_LOCK:
        found = _CACHE.get(site)
        if found is None:
            found = _CACHE[site] = Occupancy(site)
        return found


def truth_door_events(site: Site, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Ground truth of front door lock actions in [start, end): t, action, source_name, user, state, person."""
    return occupancy(site).door_events(start.timestamp(), end.timestamp())


def truth_motion_events(site: Site, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Ground truth of motion sensor occupancy changes in [start, end): t, sensor, room, occupancy."""
    return occupancy(site).motion_events(start.timestamp(), end.timestamp())
