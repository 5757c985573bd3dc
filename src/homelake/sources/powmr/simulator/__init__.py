"""Simulated PowMR inverter: the site's POW-HVM6.5K-48V (8851) behind a TCP bridge, plus an HVM Modbus sibling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelake.sim.model.power import power_model
from homelake.sources.base import SimContext
from homelake.sources.powmr.registers import load_map
from homelake.sources.powmr.simulator.server import InverterSimServer

INVERTER = "inverter"


class PowmrSimulator:
    """`options["maps"]`: the register maps to serve (default the 8851 inverter the site has, and the HVM map on a
    port of its own for Modbus clients); only the first goes into the site file, so energy is counted once."""

    def __init__(self, ctx: SimContext) -> None:
        maps = tuple(ctx.options.get("maps") or ("inv8851", "hvm_hm"))
        model = power_model(ctx.site)
        self.servers = {name: InverterSimServer(model, load_map(name), host=ctx.host, clock=ctx.clock) for name in maps}
        self.main = maps[0]

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"name": INVERTER if name == self.main else f"{INVERTER}-{name}",
             "kind": f"PowMR {'8851 frames' if name == 'inv8851' else 'Modbus RTU'} over a TCP bridge ({name})",
             "url": f"tcp://{server.host}:{server.port}", "login": "-"}
            for name, server in self.servers.items()
        ]  # fmt: skip

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `powmr:` section: the main inverter, its AC input fed by the generator."""
        server = self.servers[self.main]
        inverter = {"name": INVERTER, "register_map": self.main, "transport": "tcp", "host": server.host,
                    "port": server.port, "ac_input": "generator"}  # fmt: skip
        return {"interval_s": max(1.0, min(interval_s, 10.0)), "inverters": [inverter]}


__all__ = ["InverterSimServer", "PowmrSimulator"]
