"""Who on the LAN talks to which external service (the truth): long-lived connections renewed on a schedule,
short-lived ones the table poll mostly misses (the churn), a forwarded port that outsiders reach, a device
that starts talking to a new country a while after the site's start, and phones, laptops and tablets whose IPv6
connections come from temporary (privacy) addresses that rotate daily."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from homelake.sim.model.model import Client
from homelake.sim.model.site import Site

HOUR_S = 3600
RENEW_S = 6 * HOUR_S  # a persistent connection (cloud MQTT/TLS, streaming keep-alive) is reopened every 6 h
FORWARDED_PORT, FORWARDED_TO_PORT = 8443, 443  # the firewall's dst-nat rule: public :8443 -> the LAN host's :443


@dataclass(frozen=True)
class Service:
    """An external service: its name in DNS, address, and where it is (for the GeoIP truth)."""

    name: str
    address: str
    country: str
    asn: int
    org: str


SERVICES = {
    "cloud": Service("cloud.example.com", "198.51.100.10", "DE", 64500, "Example Cloud"),
    "cdn": Service("cdn.example.net", "2001:db8:ffff::1", "US", 64501, "Example CDN"),
    "api": Service("api.example.org", "203.0.113.80", "NL", 64502, "Example API"),
    "time": Service("time.example.net", "192.0.2.123", "SE", 64503, "Example Time"),
    "ota": Service("ota.example.cn", "203.0.113.200", "CN", 64510, "Example OTA"),
    "remote": Service("remote.example.io", "192.0.2.66", "FR", 64520, "Example Remote"),
}


@dataclass(frozen=True)
class Talk:
    """A device's habit: a connection to `service` opens every `every_s` (on a phase of its own) and lives
    `lasts_s` or until the device goes offline; bytes grow at fixed rates (as the LAN device sends/receives)."""

    service: str
    sent_rate: float
    received_rate: float
    lasts_s: float = RENEW_S
    every_s: float = RENEW_S
    since_s: float = 0.0  # opens no earlier than this long after the site's start (a new destination)
    inbound: bool = False  # the outside opens it, through the forwarded port
    protocol: str = "tcp"


TALKS: dict[str, tuple[Talk, ...]] = {
    "shelly_relay": (Talk("cloud", 12.0, 20.0),),
    "shelly_plug": (Talk("cloud", 12.0, 20.0),),
    "shelly_bulb": (Talk("cloud", 8.0, 12.0),),
    "camera": (Talk("cloud", 30_000.0, 900.0),),
    # the vacuum starts fetching from a new country (CN) 8 h after the site's start: a new destination
    "vacuum": (Talk("cloud", 40.0, 60.0), Talk("api", 10.0, 10.0), Talk("ota", 30.0, 400.0, since_s=8 * HOUR_S)),
    "speaker": (Talk("cdn", 300.0, 24_000.0),),
    "tv_box": (Talk("cdn", 900.0, 450_000.0),),
    "laptop": (Talk("cdn", 2_000.0, 60_000.0), Talk("api", 500.0, 1_500.0)),
    "phone": (Talk("cdn", 600.0, 20_000.0),),
    "tablet": (Talk("cdn", 600.0, 30_000.0),),
    # time queries: 30 s every 10 min, so most start and end between two polls of the table (the churn)
    "k3s_node": (Talk("api", 1_500.0, 3_000.0), Talk("time", 48.0, 48.0, lasts_s=30, every_s=600, protocol="udp")),
}
# habits of one device (by client id): someone outside reaches the k3s master's web UI through the forwarded port
TALKS_BY_ID: dict[str, tuple[Talk, ...]] = {
    "k3s-master": (Talk("remote", 4_000.0, 300.0, lasts_s=20 * 60, every_s=3 * HOUR_S, inbound=True),),
}


def talks(client: Client) -> tuple[Talk, ...]:
    return TALKS.get(client.kind, ()) + TALKS_BY_ID.get(client.id, ())


@dataclass(frozen=True)
class Flow:
    """One connection at one instant: the device's side, the service, and the bytes so far (cumulative)."""

    client: Client
    src_address: str  # the LAN device's address
    src_port: int  # the LAN device's port (for an inbound flow: the outside's port)
    service: Service
    started_at: datetime
    sent_bytes: int  # by the LAN device
    received_bytes: int
    protocol: str = "tcp"
    inbound: bool = False


@dataclass(frozen=True)
class FlowLife:
    """One connection from open to close (the truth the table poll samples)."""

    client: Client
    talk: Talk
    started_at: datetime
    ended_at: datetime

    @property
    def service(self) -> Service:
        return SERVICES[self.talk.service]

    @property
    def v6_address(self) -> str:
        """The LAN device's IPv6 address for this connection (the one it had when the connection opened)."""
        return v6_source(self.client, self.started_at)

    def bytes_between(self, start: datetime, end: datetime) -> tuple[float, float]:
        """(sent, received) by the LAN device while the connection was open within [start, end)."""
        seconds = max(0.0, (min(end, self.ended_at) - max(start, self.started_at)).total_seconds())
        return self.talk.sent_rate * seconds, self.talk.received_rate * seconds


LAN_V6_PREFIX = "2001:db8:88:0"  # the LAN's IPv6 /64; devices have SLAAC addresses (EUI-64 from the MAC)
LAN_NETWORKS = ("192.168.88.0/24", "2001:db8:88::/64")  # the simulated site's LAN, as its site file names it
# RFC 8981: these open their outgoing connections from a temporary address, a new one each day (on a phase of
# the device's own, as the spec's desync factor); a connection keeps the address it opened with.
PRIVACY_DEVICE_TYPES = frozenset({"phone", "laptop", "tablet"})
TEMPORARY_ADDRESS_S = 24 * HOUR_S


def slaac_address(mac: str) -> str:
    """The device's EUI-64 address in the LAN's /64 (the MAC can be read back from it)."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.ip_address(f"{LAN_V6_PREFIX}:" + ":".join(groups)))


def uses_privacy_addresses(client: Client) -> bool:
    """Whether the device's IPv6 connections come from temporary addresses (by its catalogue device type)."""
    return client.metadata.device_type in PRIVACY_DEVICE_TYPES


def temporary_period(mac: str, t: datetime) -> tuple[int, datetime, datetime]:
    """(number, start, end) of the temporary-address period holding t for the device with this MAC."""
    phase = zlib.crc32(f"{mac}/temporary".encode()) % TEMPORARY_ADDRESS_S
    number = math.floor((t.timestamp() - phase) / TEMPORARY_ADDRESS_S)
    start = datetime.fromtimestamp(phase + number * TEMPORARY_ADDRESS_S, UTC)
    return number, start, start + timedelta(seconds=TEMPORARY_ADDRESS_S)


def temporary_address(mac: str, period: int) -> str:
    """The device's temporary address of one period: a random-looking interface id from (MAC, period), with the
    universal/local bit clear (RFC 4941) and never `ff:fe` in the middle (no EUI-64 look-alike)."""
    digest = bytearray(hashlib.sha256(f"{mac}/temporary/{period}".encode()).digest()[:8])
    digest[0] &= ~0x02 & 0xFF
    if digest[3:5] == b"\xff\xfe":
        digest[4] = 0xFD
    groups = [f"{digest[i] << 8 | digest[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.ip_address(f"{LAN_V6_PREFIX}:" + ":".join(groups)))


def v6_source(client: Client, at: datetime) -> str:
    """The address a connection opened at `at` comes from: the temporary address of the day for a device that
    uses privacy addresses, else its SLAAC address."""
    if uses_privacy_addresses(client):
        return temporary_address(client.mac, temporary_period(client.mac, at)[0])
    return slaac_address(client.mac)


def _phase(client: Client, talk: Talk) -> float:
    return zlib.crc32(f"{client.mac}/{talk.service}/phase".encode()) % int(talk.every_s)


def _port(client: Client, talk: Talk, started: datetime) -> int:
    return 32768 + zlib.crc32(f"{client.mac}/{talk.service}/{started.timestamp():.0f}".encode()) % 28000


def _window(client: Client, talk: Talk, t: float) -> float:
    """Start of the renewal window holding epoch second t."""
    phase = _phase(client, talk)
    return phase + math.floor((t - phase) / talk.every_s) * talk.every_s


def flows_at(site: Site, t: datetime) -> list[Flow]:
    """Every connection open at t: per online device and habit, the one opened in the current window (at the
    window's start, or when the device came online, whichever is later) until it lasted `lasts_s`."""
    now = t.timestamp()
    flows = []
    for state in site.state_at(t).online():
        if state.ip is None or state.online_since is None:
            continue
        for talk in talks(state.client):
            window = _window(state.client, talk, now)
            opened = max(window, state.online_since.timestamp(), site.start.timestamp() + talk.since_s)
            if not opened <= now < window + talk.lasts_s:
                continue
            service = SERVICES[talk.service]
            started = datetime.fromtimestamp(opened, UTC)
            source = v6_source(state.client, started) if ":" in service.address else state.ip
            elapsed = now - opened
            flows.append(Flow(state.client, source, _port(state.client, talk, started), service, started,
                              int(talk.sent_rate * elapsed), int(talk.received_rate * elapsed), talk.protocol,
                              talk.inbound))  # fmt: skip
    return flows


def flow_lives(site: Site, start: datetime, end: datetime) -> Iterator[FlowLife]:
    """Every connection open at some time in [start, end), whole (the truth of what the LAN sent and received)."""
    for client in site.clients:
        yield from client_flow_lives(site, client, start, end)


def client_flow_lives(site: Site, client: Client, start: datetime, end: datetime) -> Iterator[FlowLife]:
    """flow_lives of one device."""
    for talk in talks(client):
        since = site.start + timedelta(seconds=talk.since_s)
        for online, offline in site.online_sessions(client, start, end):
            window = _window(client, talk, online.timestamp())
            while window < min(end, offline).timestamp():
                opened = max(datetime.fromtimestamp(window, UTC), online, since)
                closed = min(datetime.fromtimestamp(window + talk.lasts_s, UTC), offline)
                if opened < closed and closed > start and opened < end:
                    yield FlowLife(client, talk, opened, closed)
                window += talk.every_s
