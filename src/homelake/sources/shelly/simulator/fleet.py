"""The simulated Shelly fleet: one HTTP server per device on its own loopback address, plus MQTT.

Each device's LAN address maps into loopback through an address map, by default
{"192.168.88.0/24": "127.88.0.0/24"} (192.168.88.23 -> 127.88.0.23), all on one port (default 8080),
so a collector that discovers devices from DHCP leases reaches them through the same map.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Self

from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import Site
from homelake.sources.shelly.simulator.server import ShellySimServer

DEFAULT_ADDRESS_MAP: dict[str, str] = {"192.168.88.0/24": "127.88.0.0/24"}
PORT_ATTEMPTS = 20


def map_address(ip: str, address_map: Mapping[str, str] = DEFAULT_ADDRESS_MAP) -> str:
    """The address a LAN IP is reachable at: the same offset in the mapped network (unmapped: itself)."""
    address = ipaddress.ip_address(ip)
    for source, target in address_map.items():
        lan, loop = ipaddress.ip_network(source), ipaddress.ip_network(target)
        if address in lan:
            if loop.prefixlen != lan.prefixlen:
                raise ValueError(f"address map {source} -> {target}: networks differ in size")
            return str(loop.network_address + (int(address) - int(lan.network_address)))
    return ip


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ShellyFleet:
    """Every Shelly of the site as a live device. `tick(t)` moves the fleet to time t: listeners close
    while a device is offline (connection refused). Their MQTT traffic is published by the site's publisher."""

    def __init__(  # noqa: PLR0913 - the simulated fleet and its knobs
        self,
        site: Site,
        *,
        clock: Callable[[], datetime],
        port: int = 8080,
        address_map: Mapping[str, str] = DEFAULT_ADDRESS_MAP,
        passwords: Mapping[str, str] | None = None,
        timeout_delay_s: float = 10.0,
    ) -> None:
        self.site, self.clock, self.port, self.address_map = site, clock, port, dict(address_map)
        self.state = shelly_state(site)
        passwords = dict(passwords or {})
        self.servers: dict[str, ShellySimServer] = {
            dev.device_id: ShellySimServer(
                site, dev, host=map_address(dev.lan_ip, address_map), port=port, clock=clock,
                password=passwords.get(dev.device_id) or passwords.get(dev.key) or "", timeout_delay_s=timeout_delay_s,
            )
            for dev in self.state.devices
        }  # fmt: skip
        self._lock = threading.Lock()

    def _bind_all(self, port: int) -> None:
        for server in self.servers.values():
            server.port = port
            server.start()

    def start(self) -> Self:
        """Bind every device (port 0: one free port shared by all), connect MQTT, sync to the clock."""
        try:
            for _ in range(PORT_ATTEMPTS if self.port == 0 else 1):
                port = self.port or _free_port(next(iter(self.servers.values())).host)
                try:
                    self._bind_all(port)
                    break
                except OSError as exc:
                    for server in self.servers.values():
                        server.stop()
                    if exc.errno != errno.EADDRINUSE or self.port != 0:
                        raise
            else:
                raise OSError(errno.EADDRINUSE, "no port free on every device address")
            self.port = port
            self.tick(self.clock())
        except BaseException:
            self.stop()
            raise
        return self

    def tick(self, t: datetime | None = None) -> None:
        """Bring the fleet to t (default: the clock): listeners follow reachability (closed while offline)."""
        t = self.clock() if t is None else t
        with self._lock:
            for server in self.servers.values():
                server.sync(t)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def devices(self) -> list[dict[str, Any]]:
        """device_id, gen, model, mac, lan_ip, url (and username/password when protected) per device."""
        rows = []
        for dev in self.state.devices:
            server = self.servers[dev.device_id]
            row: dict[str, Any] = {"device_id": dev.device_id, "gen": dev.gen, "model": dev.model,
                                   "mac": dev.client.mac, "lan_ip": dev.lan_ip, "url": server.url}  # fmt: skip
            if server.password:
                row |= {"username": "admin", "password": server.password}
            rows.append(row)
        return rows
