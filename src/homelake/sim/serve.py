"""Runs the simulated site: one RouterOS REST server per router on loopback, plus a matching site config."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from homelake.sim.site import Site, build_site
from homelake.sources.mikrotik.simulator import RouterSimServer


class SimulatedSite:
    """Starts a RouterSimServer per router (free ports, generated passwords unless given)."""

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
    ) -> None:
        self.site = site or build_site()
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
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
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
        `secrets_dir` (and the metadata seed to `metadata_csv` when given)."""
        secrets_path = Path(secrets_dir)
        secrets_path.mkdir(parents=True, exist_ok=True)
        routers = []
        for endpoint in self.endpoints():
            secret = secrets_path / f"mikrotik-{endpoint['name']}.password"
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(endpoint["password"])
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
        return {
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
