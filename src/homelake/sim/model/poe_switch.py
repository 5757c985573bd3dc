"""The site's PoE switch (a CSS610-8P-2S+): which device is on which port, and the watts each draws (the truth)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from homelake.sim.model.noise import uniform
from homelake.sim.model.site import Site
from homelake.sim.model.weather import is_dark

BUCKET_S = 300  # the draw is constant within a 5-minute bucket, so the energy truth is an exact sum
LOAD_BUCKET_S = 900  # an AP's client count is taken every 15 minutes (the site model's presence is costly)
PORTS, POE_PORTS, UPLINK_PORT = 10, 8, 10
CAMERA_W, CAMERA_IR_W, AP_W, AP_PER_CLIENT_W, NOISE_W = 4.2, 1.8, 5.5, 0.45, 0.25
VOLTAGE_V = 49.8


@dataclass(frozen=True)
class PoePort:
    """A powered device on a port of the switch."""

    port: int  # 1-based
    name: str  # the port name set on the switch
    device: str  # the site's client id (camera) or router name (access point)
    mac: str
    kind: Literal["camera", "ap"]


class PoeSwitch:
    """The switch of `site`: cameras and access points on ports 1.., the uplink to the firewall on port 10."""

    model, identity, version = "CSS610-8P-2S+", "css610-poe", "2.18"

    def __init__(self, site: Site, mac: str = "dc:2c:6e:11:22:33") -> None:
        self.site, self.mac = site, mac
        devices: list[tuple[str, str, Literal["camera", "ap"]]] = [
            (c.id, c.mac, "camera") for c in site.clients_of_kind("camera")
        ]
        devices += [(r.name, r.mac, "ap") for r in site.routers if r.role == "ap"]
        if len(devices) > POE_PORTS:
            raise ValueError(f"the switch has {POE_PORTS} PoE ports, the site has {len(devices)} PoE devices")
        self.ports = tuple(PoePort(i + 1, device, device, mac, kind) for i, (device, mac, kind) in enumerate(devices))
        # when the switch restarted, its counters from zero: once 20 h into the history (a power cut); tests add more
        self.reboots: list[datetime] = [site.start + timedelta(hours=20)]

    def port_names(self) -> list[str]:
        used = {p.port: p.name for p in self.ports}
        return [used.get(n, f"Port{n}") if n < UPLINK_PORT else "uplink-fw" for n in range(1, PORTS + 1)]

    def power_w(self, port: PoePort, t: datetime) -> float:
        """What the device on `port` draws at t: cameras more with IR on at night, APs with their clients."""
        bucket = math.floor(t.timestamp() / BUCKET_S)
        start = datetime.fromtimestamp(bucket * BUCKET_S, UTC)
        noise = uniform(-NOISE_W, NOISE_W, self.site.seed, "poe", port.device, bucket)
        if port.kind == "camera":
            dark = is_dark(start.timestamp(), self.site.latitude, self.site.longitude)
            return round(CAMERA_W + (CAMERA_IR_W if dark else 0.0) + noise, 3)
        load_at = datetime.fromtimestamp(math.floor(t.timestamp() / LOAD_BUCKET_S) * LOAD_BUCKET_S, UTC)
        clients = sum(1 for s in self.site.state_at(load_at).online() if s.ap == port.device)
        return round(AP_W + AP_PER_CLIENT_W * clients + noise, 3)

    def energy_wh(self, port: PoePort, start: datetime, end: datetime) -> float:
        """The exact energy the device on `port` drew in [start, end)."""
        total, t = 0.0, start
        while t < end:
            bucket_end = datetime.fromtimestamp((math.floor(t.timestamp() / BUCKET_S) + 1) * BUCKET_S, UTC)
            upto = min(bucket_end, end)
            total += self.power_w(port, t) * (upto - t).total_seconds() / 3600
            t = upto
        return total

    def link_up(self, port_number: int) -> bool:
        return port_number == UPLINK_PORT or any(p.port == port_number for p in self.ports)

    def hosts(self, t: datetime) -> list[tuple[str, int]]:
        """(mac, port) the switch has learned: its devices, wifi clients behind each AP, the rest via the uplink."""
        learned = [(p.mac, p.port) for p in self.ports]
        ap_port = {p.device: p.port for p in self.ports if p.kind == "ap"}
        on_ports = {p.mac for p in self.ports}
        for state in self.site.state_at(t).online():
            if state.mac in on_ports:
                continue
            learned.append((state.mac, ap_port.get(state.ap or "", UPLINK_PORT)))
        learned += [(r.mac, UPLINK_PORT) for r in self.site.routers if r.role != "ap"]
        return learned

    def booted_at(self, t: datetime) -> datetime:
        """The switch's last start at or before t: 40 days before the site's history, or a later reboot."""
        return max([self.site.start - timedelta(days=40), *(r for r in self.reboots if r <= t)])

    def uptime_s(self, t: datetime) -> int:
        return int((t - self.booted_at(t)).total_seconds())
