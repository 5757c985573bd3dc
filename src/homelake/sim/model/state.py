"""Ground truth of one client at one instant: presence, lease, address and wifi association."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from homelake.sim.model import noise
from homelake.sim.model.inventory import ROOMS
from homelake.sim.model.model import Client
from homelake.sim.model.presence import SLOT_S, Timeline, room_at

DYNAMIC_BASE = 100  # pool 192.168.88.100-254
ADDRESS_SLOTS = 4  # each dynamic client owns 4 addresses, 35 apart, so no two clients ever collide
SLOT_STRIDE = 35
MAX_ROAM_LOOKBACK = 400  # half-hour slots


@dataclass(frozen=True)
class Lease:
    """The DHCP server's lease of a client, as the firewall reports it."""

    lease_id: str
    address: str
    status: str  # bound | waiting
    dynamic: bool
    expires_at: datetime | None  # only while bound
    last_seen_at: datetime | None  # last DHCP contact; None = never


@dataclass(frozen=True)
class ClientState:
    """One client at one instant. `online` is physical presence; a bound lease can outlive it."""

    client: Client
    online: bool
    ip: str | None  # the address the client holds (or held, while its lease lives); None = no lease
    ap: str | None  # router name of the serving AP; None when wired or offline
    interface: str | None  # wifi1 (5 GHz) / wifi2 (2.4 GHz) on that AP
    signal_dbm: int | None
    lease: Lease | None
    online_since: datetime | None  # start of the current session (online only)
    associated_since: datetime | None  # start of the current AP association (wifi, online only)
    left_at: datetime | None  # end of the last session (offline only); None = never seen

    @property
    def mac(self) -> str:
        return self.client.mac

    @property
    def hostname(self) -> str | None:
        return self.client.hostname

    @property
    def lease_status(self) -> str | None:
        return self.lease.status if self.lease else None

    @property
    def lease_expires_at(self) -> datetime | None:
        return self.lease.expires_at if self.lease else None

    @property
    def last_seen(self) -> datetime | None:
        return self.lease.last_seen_at if self.lease else None


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def dynamic_address(index: int, changes: int) -> str:
    return f"192.168.88.{DYNAMIC_BASE + index + SLOT_STRIDE * (changes % ADDRESS_SLOTS)}"


def _lease(client: Client, timeline: Timeline, t: float, seed: int, lease_number: int) -> Lease | None:
    """Renewal at half the lease time from the session start; a dynamic lease vanishes once expired."""
    session = timeline.session(t)
    dynamic = not client.is_static
    half = client.lease_time_s / 2
    if dynamic:
        changes = timeline.ip_changes(t)
        lease_id, address = (
            f"*{0x1000 + changes * 0x40 + lease_number:X}",
            dynamic_address(lease_number, changes),
        )
    else:
        lease_id, address = f"*{lease_number + 1:X}", client.static_ip or ""
    if session is None:
        return None if dynamic else Lease(lease_id, address, "waiting", False, None, None)
    start, end, online = session
    # a session already running at the model's origin renews on its own phase, not on midnight
    first = start - (round(noise.uniform(0, half, seed, client.id, "renew")) if start <= timeline.origin_ts else 0)
    renewed = first + ((t if online else end) - first) // half * half
    expires = renewed + client.lease_time_s
    if online or t < expires:
        return Lease(lease_id, address, "bound", dynamic, _utc(expires), _utc(renewed))
    return None if dynamic else Lease(lease_id, address, "waiting", False, None, _utc(renewed))


def _room(client: Client, timeline: Timeline, t: float, tz: tzinfo, seed: int) -> str:
    slot = int(t // SLOT_S)
    room = timeline.rooms.get(slot)
    if room is None:
        room = timeline.rooms[slot] = room_at(client, t, tz, seed)
    return room


def client_state(client: Client, timeline: Timeline, t: float, tz: tzinfo, seed: int, lease_number: int) -> ClientState:
    """The truth for one client at epoch second t (pure in seed, client and t)."""
    session = timeline.session(t)
    online = session is not None and session[2]
    lease = _lease(client, timeline, t, seed, lease_number)
    ap = interface = signal = associated = None
    if online and session is not None and client.is_wifi:
        room = _room(client, timeline, t, tz, seed)
        ap = ROOMS[room][0]
        interface = "wifi1" if client.band == "5ghz" else "wifi2"
        signal = ROOMS[room][1] + round(noise.uniform(-4, 4, seed, client.id, int(t // 300), "signal"))
        slot = int(t // SLOT_S)
        boundary = slot * SLOT_S if client.roams else session[0]
        for back in range(1, MAX_ROAM_LOOKBACK if client.roams else 0):
            previous = (slot - back) * SLOT_S
            if previous + SLOT_S <= session[0] or ROOMS[_room(client, timeline, previous, tz, seed)][0] != ap:
                break
            boundary = previous
        associated = _utc(max(session[0], boundary))
    return ClientState(
        client=client,
        online=online,
        ip=lease.address if lease else None,
        ap=ap,
        interface=interface,
        signal_dbm=signal,
        lease=lease,
        online_since=_utc(session[0]) if online and session else None,
        associated_since=associated,
        left_at=_utc(session[1]) if session and not online else None,
    )
