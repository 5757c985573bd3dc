"""The simulated CSS610 PoE switch of the site: a SwOS Lite `.b` server with Digest auth, and its history."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from homelake.sim.model.poe_switch import PoeSwitch
from homelake.sim.servers.secrets import write_secret
from homelake.sources.base import SimContext
from homelake.sources.swos.simulator.history import SWITCH_NAME, lay_history
from homelake.sources.swos.simulator.server import SwitchSimServer
from homelake.sources.swos.simulator.snmp_agent import SnmpAgent
from homelake.sources.swos.simulator.snmp_mib import SwitchMib

__all__ = ["SWITCH_NAME", "SnmpAgent", "SwitchMib", "SwitchSimServer", "SwosSimulator", "lay_history"]


class SwosSimulator:
    """The site's switch: its `.b` pages on a free loopback TCP port and its SNMP agent on a free UDP port
    (password and community generated unless `options["password"]` / `options["community"]`). Its agent has the
    32-bit octet counters only, as we take SwOS Lite's to be [unverified], so they wrap every few hours;
    `options["hc_counters"] = true` adds the 64-bit ifHC*Octets."""

    def __init__(self, ctx: SimContext) -> None:
        password = str(ctx.options.get("password") or secrets.token_urlsafe(12))
        username = str(ctx.options.get("username", "admin"))
        community = str(ctx.options.get("community") or secrets.token_urlsafe(9))
        hc_counters = str(ctx.options.get("hc_counters", "false")).lower() in {"true", "1", "yes"}
        switch = PoeSwitch(ctx.site)
        self.server = SwitchSimServer(switch, host=ctx.host, username=username, password=password,
                                      clock=ctx.clock)  # fmt: skip
        self.agent = SnmpAgent(SwitchMib(switch, hc_counters=hc_counters), community=community, host=ctx.host,
                               clock=ctx.clock)  # fmt: skip

    def start(self) -> None:
        self.server.start()
        try:
            self.agent.start()
        except BaseException:
            self.server.stop()
            raise

    def stop(self) -> None:
        self.agent.stop()
        self.server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        server = self.server
        return [
            {
                "name": SWITCH_NAME,
                "kind": "SwOS Lite .b (Digest)",
                "url": f"{server.url}/poe.b",
                "login": f"{server.username} / {server.password}",
            },
            {
                "name": SWITCH_NAME,
                "kind": "SNMP v1/v2c (IF-MIB, BRIDGE-MIB)",
                "url": f"udp://{self.agent.host}:{self.agent.port}",
                "login": f"community {self.agent.community}",
            },
        ]

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `swos:` section: the switch, its password in a 0600 file in `secrets_dir`."""
        secret = write_secret(Path(secrets_dir) / f"swos-{SWITCH_NAME}.password", self.server.password)
        community = write_secret(Path(secrets_dir) / f"swos-{SWITCH_NAME}.community", self.agent.community)
        snmp = {"community": {"file": str(community)}, "host": self.agent.host, "port": self.agent.port,
                "version": "2c"}  # fmt: skip
        switch = {"name": SWITCH_NAME, "url": self.server.url, "username": self.server.username,
                  "password": {"file": str(secret)}, "snmp": snmp}  # fmt: skip
        return {"interval_s": interval_s, "switches": [switch]}
