"""Static description of the simulated site: routers, clients, their metadata and behaviour profiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Window:
    """A local time-of-day window on some weekdays (0 = Monday), taken with a probability per day."""

    days: frozenset[int]
    start_min: int
    end_min: int  # may be 1440 (midnight at the end of the day)
    probability: float = 1.0
    jitter_min: int = 0


@dataclass(frozen=True)
class RoomRule:
    """Where a mobile device is during a window: one of `rooms`, weighted, redrawn every half hour."""

    days: frozenset[int]
    start_min: int
    end_min: int
    rooms: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Presence:
    """How a client comes and goes.

    mode: `always` (infrastructure, IoT), `person` (home while its owner is, intersected with `usage`),
    `windows` (only inside `usage`), `sleeper` (battery device waking for a minute every half hour),
    `never` (configured but never seen).
    """

    mode: Literal["always", "person", "windows", "sleeper", "never"] = "always"
    person: str | None = None
    usage: tuple[Window, ...] = ()
    outage_per_day: float = 0.0  # probability of one short unplanned outage on a given day
    reboot_weekly: tuple[int, int] | None = None  # (weekday, minute): 10 min off, back with a new lease


@dataclass(frozen=True)
class Metadata:
    """One row of the device metadata seed (what the owner wrote down about the device)."""

    name: str
    owner: str
    room: str
    location: str
    device_type: str
    vendor: str
    model: str
    notes: str = ""


@dataclass(frozen=True)
class Client:
    """A device on the LAN. `attrs` carries family specifics (Shelly model id, gen) for later sims."""

    id: str  # stable slug, unique in the site
    mac: str  # lower-case colon form
    hostname: str | None  # None: the device sends no DHCP host name
    kind: str  # shelly_plug, shelly_relay, camera, laptop, phone, k3s_node ...
    connection: Literal["wired", "wifi"]
    room: str  # where it is installed or usually kept
    metadata: Metadata
    in_metadata: bool
    presence: Presence
    lease_time_s: int
    static_ip: str | None = None  # static lease (infrastructure); None = dynamic from the pool
    lease_comment: str | None = None
    band: Literal["5ghz", "2ghz"] = "5ghz"
    sends_client_id: bool = True
    roams: tuple[RoomRule, ...] = ()  # empty: stays in `room`
    mobility_key: str | None = None  # devices sharing a key (one person's phone and tablet) move together
    attrs: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_wifi(self) -> bool:
        return self.connection == "wifi"

    @property
    def is_static(self) -> bool:
        return self.static_ip is not None


@dataclass(frozen=True)
class Router:
    """A MikroTik router of the site and the hardware facts its `/system/resource` reports."""

    name: str
    role: Literal["firewall", "switch", "ap", "router"]
    board_name: str
    ip: str
    mac: str
    timezone: str
    ether_ports: int
    sfp_ports: int
    architecture: str
    cpu: str
    cpu_count: int
    cpu_mhz: int
    memory_bytes: int
    hdd_bytes: int
    boot_offset_s: int  # how long before the site start it booted
    dhcp_server: str | None = None
    ssid: str | None = None
    version: str = "7.16.2 (stable)"
    build_time: str = "2024-11-27 09:42:31"
    factory_software: str = "7.10"
    port_comments: Mapping[str, str] = field(default_factory=dict)
    kind: str = "router"

    @property
    def has_wifi(self) -> bool:
        return self.ssid is not None
