"""Simulated MikroTik routers: a RouterOS REST server per router of the site, and their history."""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

from homelake.sim.model.flows import LAN_NETWORKS
from homelake.sim.model.uplink import PROBE_TARGETS
from homelake.sim.servers.secrets import write_secret
from homelake.sources.base import SimContext
from homelake.sources.mikrotik.simulator.geoip_dbs import DEMO_ALLOWED_DESTINATIONS, write_databases
from homelake.sources.mikrotik.simulator.history import lay_history
from homelake.sources.mikrotik.simulator.payloads import format_duration
from homelake.sources.mikrotik.simulator.server import (
    RouterSimServer,
    SimRestError,
    apply_query,
    render,
    router_paths,
)

__all__ = [
    "MikrotikSimulator",
    "RouterSimServer",
    "SimRestError",
    "apply_query",
    "format_duration",
    "lay_history",
    "render",
    "router_paths",
]


class MikrotikSimulator:
    """One RouterSimServer per router of the site (free ports; generated passwords unless given in
    `options["passwords"]`; `options["username"]`, default admin)."""

    def __init__(self, ctx: SimContext) -> None:
        passwords: dict[str, str] = dict(ctx.options.get("passwords") or {})
        username = str(ctx.options.get("username", "admin"))
        self.site = ctx.site
        self.servers: dict[str, RouterSimServer] = {
            router.name: RouterSimServer(
                ctx.site, router.name, host=ctx.host, username=username, tls=ctx.tls, clock=ctx.clock,
                password=passwords.get(router.name) or secrets.token_urlsafe(12), fault_delay_s=ctx.fault_delay_s,
            )
            for router in ctx.site.routers
        }  # fmt: skip

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def routers(self) -> list[dict[str, Any]]:
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

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"name": r["name"], "kind": f"RouterOS REST ({r['role']})", "url": f"{r['url']}/rest/ip/dhcp-server/lease",
             "login": f"{r['username']} / {r['password']}"}
            for r in self.routers()
        ]  # fmt: skip

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `mikrotik:` section: one 0600 password file per router in `secrets_dir`, and demo GeoIP databases of
        the simulated services in `geoip/` beside it (the simulator's work directory)."""
        routers = []
        for endpoint in self.routers():
            secret = write_secret(Path(secrets_dir) / f"mikrotik-{endpoint['name']}.password", endpoint["password"])
            entry: dict[str, Any] = {
                "name": endpoint["name"], "url": endpoint["url"], "role": endpoint["role"],
                "username": endpoint["username"], "password": {"file": str(secret)},
                "allow_http": endpoint["url"].startswith("http://"),
            }  # fmt: skip
            if "cert" in endpoint:
                entry["verify_tls"] = endpoint["cert"]
            if endpoint["role"] == "firewall":
                entry["probe_targets"] = list(PROBE_TARGETS)
            routers.append(entry)
        geoip = write_databases(Path(secrets_dir).parent / "geoip", built_at=self.site.start)
        # the simulated LAN has a global IPv6 /64, which the default private ranges would not count as the LAN
        traffic = {"lan_networks": list(LAN_NETWORKS), "allowed_destinations": copy.deepcopy(DEMO_ALLOWED_DESTINATIONS)}
        return {"interval_s": interval_s, "routers": routers, "geoip": geoip, "traffic": traffic}
