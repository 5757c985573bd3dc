"""Simulated Shellies: every device of the site as an HTTP/WebSocket/CoIoT server, their MQTT traffic, history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homelake.sim.servers.secrets import write_secret
from homelake.sources.base import SimContext
from homelake.sources.shelly.simulator.fleet import DEFAULT_ADDRESS_MAP, ShellyFleet, map_address
from homelake.sources.shelly.simulator.server import (
    ShellySimServer,
    render_gen1_status,
    render_gen2_status,
    render_shelly_info,
    render_status,
)

__all__ = [
    "DEFAULT_ADDRESS_MAP",
    "ShellyFleet",
    "ShellySimServer",
    "ShellySimulator",
    "map_address",
    "render_gen1_status",
    "render_gen2_status",
    "render_shelly_info",
    "render_status",
]


class ShellySimulator:
    """The fleet as a family simulator. Options: `port` (0, the default: one free port on every device's own
    loopback address; 80 (needs root) for clients that assume it, such as aioshelly's Gen1 path),
    `passwords` (device id -> password), `address_map` (LAN network -> loopback network)."""

    def __init__(self, ctx: SimContext) -> None:
        options = ctx.options
        self.fleet = ShellyFleet(
            ctx.site,
            clock=ctx.clock or (lambda: datetime.now(UTC)),
            port=int(options.get("port", 0)),
            address_map=options.get("address_map") or DEFAULT_ADDRESS_MAP,
            passwords=options.get("passwords"),
        )

    def start(self) -> None:
        self.fleet.start()

    def stop(self) -> None:
        self.fleet.stop()

    def tick(self, t: datetime) -> None:
        self.fleet.tick(t)

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"name": d["device_id"], "kind": f"Shelly Gen{d['gen']} {d['model']} (LAN {d['lan_ip']})",
             "url": d["url"], "login": f"admin / {d['password']}" if "password" in d else "-"}
            for d in self.fleet.devices()
        ]  # fmt: skip

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `shelly:` section: discovery through the address map, credentials of protected devices."""
        devices = []
        for device in self.fleet.devices():
            if "password" in device:
                secret = write_secret(Path(secrets_dir) / f"shelly-{device['device_id']}.password", device["password"])
                devices.append({"device_id": device["device_id"], "url": device["url"],
                                "username": device["username"], "password": {"file": str(secret)}})  # fmt: skip
        discovery = {"enabled": True, "address_map": dict(self.fleet.address_map), "port": self.fleet.port}
        return {"interval_s": 30, "discovery": discovery, "devices": devices}
