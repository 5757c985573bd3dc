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

__all__ = ["SWITCH_NAME", "SwitchSimServer", "SwosSimulator", "lay_history"]


class SwosSimulator:
    """The site's switch on a free loopback port (password generated unless `options["password"]`)."""

    def __init__(self, ctx: SimContext) -> None:
        password = str(ctx.options.get("password") or secrets.token_urlsafe(12))
        username = str(ctx.options.get("username", "admin"))
        self.server = SwitchSimServer(PoeSwitch(ctx.site), host=ctx.host, username=username, password=password,
                                      clock=ctx.clock)  # fmt: skip

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        server = self.server
        return [{"name": SWITCH_NAME, "kind": "SwOS Lite .b (Digest)", "url": f"{server.url}/poe.b",
                 "login": f"{server.username} / {server.password}"}]  # fmt: skip

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `swos:` section: the switch, its password in a 0600 file in `secrets_dir`."""
        secret = write_secret(Path(secrets_dir) / f"swos-{SWITCH_NAME}.password", self.server.password)
        switch = {"name": SWITCH_NAME, "url": self.server.url, "username": self.server.username,
                  "password": {"file": str(secret)}}  # fmt: skip
        return {"interval_s": interval_s, "switches": [switch]}
