"""Runs the simulated site: a RouterOS REST server per router and optionally the Shelly fleet (HTTP + MQTT)
on loopback, plus a matching site config."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from homelake.sim.fleet import DEFAULT_ADDRESS_MAP, ShellyFleet
from homelake.sim.loads import write_circuits_csv
from homelake.sim.site import Site, build_site
from homelake.sim.zigbee_messages import write_sensor_rooms_csv
from homelake.sources.mikrotik.simulator import RouterSimServer


class SimulatedSite:
    """Starts a RouterSimServer per router (free ports, generated passwords unless given) and, with
    `shelly=True`, the Shelly fleet ticking with the clock every `tick_s` seconds (None: tick yourself
    through `self.fleet.tick(t)`); MQTT is published when `mqtt_host` is given."""

    def __init__(
        self,
        site: Site | None = None,
        *,
        host: str = "127.0.0.1",
        tls: bool = False,
        username: str = "admin",
        passwords: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        fault_delay_s: float = 5.0,
        shelly: bool = False,
        shelly_port: int = 8080,
        shelly_passwords: Mapping[str, str] | None = None,
        address_map: Mapping[str, str] = DEFAULT_ADDRESS_MAP,
        mqtt_host: str | None = None,
        mqtt_port: int = 1883,
        tick_s: float | None = 1.0,
    ) -> None:
        self.site = site or build_site()
        self.mqtt = (mqtt_host, mqtt_port) if mqtt_host is not None else None
        self.tick_s = tick_s
        self.fleet = (
            ShellyFleet(self.site, clock=clock or (lambda: datetime.now(UTC)), mqtt_host=mqtt_host,
                        mqtt_port=mqtt_port, port=shelly_port, address_map=address_map, passwords=shelly_passwords)
            if shelly
            else None
        )  # fmt: skip
        passwords = dict(passwords or {})
        self.servers: dict[str, RouterSimServer] = {
            router.name: RouterSimServer(
                self.site, router.name, host=host, username=username, tls=tls, clock=clock,
                password=passwords.get(router.name) or secrets.token_urlsafe(12), fault_delay_s=fault_delay_s,
            )
            for router in self.site.routers
        }  # fmt: skip

    def start(self) -> Self:
        try:
            for server in self.servers.values():
                server.start()
            if self.fleet is not None:
                self.fleet.start()
                if self.tick_s is not None:
                    self.fleet.run_in_background(self.tick_s)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.fleet is not None:
            self.fleet.stop()
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def endpoints(self) -> list[dict[str, Any]]:
        """name, role, url, username, password (and cert path under TLS) of every running router."""
        rows = []
        for router in self.site.routers:
            server = self.servers[router.name]
            row = {"name": router.name, "role": router.role, "url": server.url,
                   "username": server.username, "password": server.password}  # fmt: skip
            if server.cert_path is not None:
                row["cert"] = str(server.cert_path)
            rows.append(row)
        return rows

    def site_config(
        self,
        lake_root: str | Path,
        warehouse_path: str | Path,
        secrets_dir: str | Path,
        *,
        metadata_csv: str | Path | None = None,
        interval_s: float = 10,
    ) -> dict[str, Any]:
        """A site config dict for the running servers; writes one 0600 password file per router into
        `secrets_dir` (and the metadata seed to `metadata_csv`, with `circuits.csv` beside it, when given).
        With the fleet: a `shelly` section (discovery through the address map, credentials of protected
        devices in `devices`) and, with a broker, an `mqtt` section."""
        secrets_path = Path(secrets_dir)
        secrets_path.mkdir(parents=True, exist_ok=True)
        routers = []
        for endpoint in self.endpoints():
            secret = secrets_path / f"mikrotik-{endpoint['name']}.password"
            _write_secret(secret, endpoint["password"])
            entry: dict[str, Any] = {
                "name": endpoint["name"], "url": endpoint["url"], "role": endpoint["role"],
                "username": endpoint["username"], "password": {"file": str(secret)},
                "allow_http": endpoint["url"].startswith("http://"),
            }  # fmt: skip
            if "cert" in endpoint:
                entry["verify_tls"] = endpoint["cert"]
            routers.append(entry)
        if metadata_csv is not None:
            metadata_csv = str(self.site.write_metadata_csv(metadata_csv))
            write_circuits_csv(self.site, Path(metadata_csv).parent / "circuits.csv")
            write_sensor_rooms_csv(Path(metadata_csv).parent / "sensor_rooms.csv")
        config: dict[str, Any] = {
            "site": {
                "name": self.site.name,
                "timezone": self.site.timezone,
                "location": {"latitude": self.site.latitude, "longitude": self.site.longitude},
            },
            "lake": {"root": str(lake_root)},
            "warehouse": {"path": str(warehouse_path)},
            "metadata_csv": metadata_csv,
            "mikrotik": {"interval_s": interval_s, "routers": routers},
        }
        if self.fleet is not None:
            config["shelly"] = self._shelly_config(secrets_path)
        if self.mqtt is not None:
            config["mqtt"] = {"host": self.mqtt[0], "port": self.mqtt[1], "client_id": "homelake-demo"}
        return config

    def _shelly_config(self, secrets_path: Path, interval_s: float = 30) -> dict[str, Any]:
        assert self.fleet is not None
        devices = []
        for device in self.fleet.devices():
            if "password" in device:
                secret = secrets_path / f"shelly-{device['device_id']}.password"
                _write_secret(secret, device["password"])
                devices.append({"device_id": device["device_id"], "url": device["url"],
                                "username": device["username"], "password": {"file": str(secret)}})  # fmt: skip
        discovery = {"enabled": True, "address_map": dict(self.fleet.address_map), "port": self.fleet.port}
        return {"interval_s": interval_s, "discovery": discovery, "devices": devices}


def _write_secret(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
