"""The simulated site: `build_site()` and its deterministic ground truth (`Site.state_at`, online spans)."""

from __future__ import annotations

import csv
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from homelake.sim.model.inventory import PERSONS, build_inventory
from homelake.sim.model.model import Client, Metadata, Presence, Router
from homelake.sim.model.presence import DayPlan, Timeline, day_plan
from homelake.sim.model.state import ClientState, Lease, client_state

__all__ = [
    "Client",
    "ClientState",
    "Lease",
    "Metadata",
    "Presence",
    "Router",
    "Site",
    "SiteState",
    "build_site",
]

SITE_TIMEZONE = "Europe/Berlin"
DEFAULT_START = datetime(2025, 3, 10, tzinfo=ZoneInfo(SITE_TIMEZONE))  # a Monday in an odd ISO week
HISTORY_DAYS = 30  # the model is defined from this many days before `start`; earlier is "never seen"
REBOOT_PERIOD = timedelta(days=90)  # routers before their boot anchor are assumed to reboot quarterly
STATE_CACHE_SIZE = 1024
METADATA_COLUMNS = ("mac", "name", "owner", "room", "location", "device_type", "vendor", "model", "notes")


def _epoch(t: datetime) -> float:
    if t.tzinfo is None:
        raise ValueError(f"time {t.isoformat()} has no timezone; pass an aware datetime (e.g. UTC)")
    return t.timestamp()


@dataclass(frozen=True)
class SiteState:
    """Every client at one instant, keyed by lower-case MAC."""

    at: datetime
    clients: dict[str, ClientState]

    def online(self) -> list[ClientState]:
        return [state for state in self.clients.values() if state.online]

    def by_id(self, client_id: str) -> ClientState:
        for state in self.clients.values():
            if state.client.id == client_id:
                return state
        raise KeyError(f"no client {client_id!r}")


class Site:
    """Routers and clients of one site plus their behaviour; every answer is a pure function of
    (seed, start, t), whatever order the questions come in."""

    def __init__(
        self,
        *,
        seed: int,
        start: datetime,
        routers: tuple[Router, ...],
        clients: tuple[Client, ...],
        name: str = "demo",
        timezone: str = SITE_TIMEZONE,
        latitude: float = 52.52,
        longitude: float = 13.405,
    ) -> None:
        _epoch(start)
        self.seed, self.start, self.name, self.timezone = seed, start, name, timezone
        self.latitude, self.longitude = latitude, longitude
        self.tz = ZoneInfo(timezone)
        self.routers, self.clients = routers, clients
        self.origin = start.astimezone(self.tz).date() - timedelta(days=HISTORY_DAYS)
        self._timelines = {
            c.mac: Timeline(partial(self._plan, c), self.tz, self.origin, dynamic=not c.is_static) for c in clients
        }
        statics = [c for c in clients if c.is_static]
        dynamics = [c for c in clients if not c.is_static]
        if len(dynamics) > 35:
            raise ValueError("the address plan has room for at most 35 dynamic clients")
        self._cache: OrderedDict[tuple[str, float], ClientState] = OrderedDict()  # the routers ask in turn
        self._cache_lock = threading.Lock()
        self._lease_number = {c.mac: i for group in (statics, dynamics) for i, c in enumerate(group)}

    def _plan(self, client: Client, day: date) -> DayPlan:
        return day_plan(client, day, self.tz, self.seed, PERSONS)

    # --- lookup ---------------------------------------------------------------------------------
    def router(self, name: str) -> Router:
        for router in self.routers:
            if router.name == name:
                return router
        raise KeyError(f"no router {name!r} in site {self.name}; known: {[r.name for r in self.routers]}")

    def client(self, key: str) -> Client:
        """A client by id or MAC (any case)."""
        for client in self.clients:
            if key in (client.id, client.mac) or key.lower() == client.mac:
                return client
        raise KeyError(f"no client {key!r} in site {self.name}")

    def clients_of_kind(self, *kinds: str) -> list[Client]:
        return [c for c in self.clients if c.kind in kinds]

    @property
    def dhcp_router(self) -> Router:
        return next(r for r in self.routers if r.dhcp_server)

    # --- truth ----------------------------------------------------------------------------------
    def client_state(self, client: Client | str, t: datetime) -> ClientState:
        c = client if isinstance(client, Client) else self.client(client)
        key = (c.mac, _epoch(t))
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is None:
            cached = self._client_state(c, t)
            with self._cache_lock:
                self._cache[key] = cached
                if len(self._cache) > STATE_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return cached

    def _client_state(self, c: Client, t: datetime) -> ClientState:
        number = self._lease_number[c.mac]
        state = client_state(c, self._timelines[c.mac], _epoch(t), self.tz, self.seed, number)
        if state.ap is not None and state.associated_since is not None:
            booted = self.router_boot_at(state.ap, t)  # no association outlives the AP's last boot
            if state.associated_since < booted:
                state = replace(state, associated_since=booted)
        return state

    def state_at(self, t: datetime) -> SiteState:
        return SiteState(t, {c.mac: self.client_state(c, t) for c in self.clients})

    def is_online(self, client: Client | str, t: datetime) -> bool:
        c = client if isinstance(client, Client) else self.client(client)
        return self._timelines[c.mac].is_online(_epoch(t))

    def online_sessions(self, client: Client | str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The client's online sessions overlapping [start, end), unclipped (UTC)."""
        c = client if isinstance(client, Client) else self.client(client)
        spans = self._timelines[c.mac].sessions(_epoch(start), _epoch(end))
        return [(datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)) for s, e in spans]

    def router_boot_at(self, name: str, t: datetime) -> datetime:
        anchor = self.start - timedelta(seconds=self.router(name).boot_offset_s)
        if t >= anchor:
            return anchor
        return anchor - REBOOT_PERIOD * math.ceil((anchor - t) / REBOOT_PERIOD)

    def online_spans(
        self, start: datetime, end: datetime, step: timedelta
    ) -> dict[str, tuple[datetime, datetime] | None]:
        """Per client MAC, the first and last sample in [start, end) (every `step`) at which it was
        online, or None if it never was: what a poller sampling at that step could at best observe."""
        return {client.mac: self.online_span(client, start, end, step) for client in self.clients}

    def online_span(
        self, client: Client | str, start: datetime, end: datetime, step: timedelta
    ) -> tuple[datetime, datetime] | None:
        """One client's first and last online sample in [start, end), or None."""
        client = client if isinstance(client, Client) else self.client(client)
        online = [t for t in sample_times(start, end, step) if self.is_online(client, t)]
        return (online[0], online[-1]) if online else None

    # --- metadata seed --------------------------------------------------------------------------
    def metadata_rows(self) -> list[dict[str, str]]:
        """The device metadata seed: every client the owner wrote down (in_metadata)."""
        return [
            {"mac": c.mac} | {k: getattr(c.metadata, k) for k in METADATA_COLUMNS[1:]}
            for c in self.clients
            if c.in_metadata
        ]

    def write_metadata_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=METADATA_COLUMNS)
            writer.writeheader()
            writer.writerows(self.metadata_rows())
        return path


def sample_times(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    """start, start + step, ... while < end."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    t = start
    while t < end:
        yield t
        t += step


def build_site(seed: int = 7, start: datetime | None = None) -> Site:
    """The demo site. `start` (aware; default DEFAULT_START) anchors router boot times and the history
    window; presence, roaming and leases are pure functions of (seed, time) from HISTORY_DAYS before it."""
    start = DEFAULT_START if start is None else start
    _epoch(start)
    routers, clients = build_inventory(seed, SITE_TIMEZONE)
    return Site(seed=seed, start=start.astimezone(UTC), routers=routers, clients=clients)
