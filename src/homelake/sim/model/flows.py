"""Who on the LAN talks to which external service (the truth): one long-lived connection per device, service and
hour, with byte counters that grow at the device's rate while it is online."""

from __future__ import annotations

import ipaddress
import math
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from homelake.sim.model.model import Client
from homelake.sim.model.site import Site

HOUR_S = 3600


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
}
# device kind -> (service, bytes/s sent, bytes/s received)
TALKS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "shelly_relay": (("cloud", 12.0, 20.0),),
    "shelly_plug": (("cloud", 12.0, 20.0),),
    "shelly_bulb": (("cloud", 8.0, 12.0),),
    "camera": (("cloud", 30_000.0, 900.0),),
    "vacuum": (("cloud", 40.0, 60.0), ("api", 10.0, 10.0)),
    "speaker": (("cdn", 300.0, 24_000.0),),
    "tv_box": (("cdn", 900.0, 450_000.0),),
    "laptop": (("cdn", 2_000.0, 60_000.0), ("api", 500.0, 1_500.0)),
    "phone": (("cdn", 600.0, 20_000.0),),
    "tablet": (("cdn", 600.0, 30_000.0),),
    "k3s_node": (("api", 1_500.0, 3_000.0), ("time", 1.0, 1.0)),
}


@dataclass(frozen=True)
class Flow:
    """One connection at one instant: the device's side, the service, and the bytes so far (cumulative)."""

    client: Client
    src_address: str
    src_port: int
    service: Service
    started_at: datetime
    sent_bytes: int
    received_bytes: int


LAN_V6_PREFIX = "2001:db8:88:0"  # the LAN's IPv6 /64; devices use SLAAC addresses (EUI-64 from the MAC)


def slaac_address(mac: str) -> str:
    """The device's EUI-64 address in the LAN's /64 (the MAC can be read back from it)."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.ip_address(f"{LAN_V6_PREFIX}:" + ":".join(groups)))


def _port(client: Client, service: str, hour: int) -> int:
    return 32768 + zlib.crc32(f"{client.mac}/{service}/{hour}".encode()) % 28000


def flows_at(site: Site, t: datetime) -> list[Flow]:
    """Every connection open at t: one per online device and service it uses, renewed every hour."""
    hour = math.floor(t.timestamp() / HOUR_S)
    started = datetime.fromtimestamp(hour * HOUR_S, UTC)
    elapsed = (t - started).total_seconds()
    flows = []
    for state in site.state_at(t).online():
        if state.ip is None:
            continue
        for service, sent_rate, received_rate in TALKS.get(state.client.kind, ()):
            source = slaac_address(state.mac) if ":" in SERVICES[service].address else state.ip
            flows.append(Flow(state.client, source, _port(state.client, service, hour), SERVICES[service], started,
                              int(sent_rate * elapsed), int(received_rate * elapsed)))  # fmt: skip
    return flows
