"""`homelake simulate`: serve the simulated site on loopback until stopped, printing every endpoint."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from homelake.cli.common import console
from homelake.sim.serve import SimulatedSite
from homelake.sim.site import build_site


def simulate(
    seed: Annotated[int, typer.Option(help="Site seed: the same seed gives the same site.")] = 7,
    tls: Annotated[bool, typer.Option(help="Serve HTTPS with a self-signed certificate.")] = False,
    write_config: Annotated[Path | None, typer.Option(help="Write a site file for these endpoints here.")] = None,
) -> None:
    """Serve the simulated site (routers, devices) on loopback, as a real site, until Ctrl-C."""
    site = build_site(seed)
    with SimulatedSite(site, tls=tls) as sim:
        table = Table(title=f"simulated site '{site.name}' ({len(site.clients)} clients) on loopback")
        for col in ("device", "role", "endpoint", "username", "password"):
            table.add_column(col)
        for e in sim.endpoints():
            table.add_row(e["name"], e["role"], e["url"] + "/rest", e["username"], e["password"])
        console.print(table)
        first = sim.endpoints()[0]
        console.print(
            f"try: curl -su {first['username']}:{first['password']} {first['url']}/rest/ip/dhcp-server/lease"
            + (" -k" if tls else ""),
            highlight=False,
            soft_wrap=True,
        )
        if write_config is not None:
            base = write_config.parent.resolve()
            cfg = sim.site_config(
                base / "lake",
                base / "warehouse" / "homelake.duckdb",
                base / "secrets",
                metadata_csv=base / "device_metadata.csv",
            )
            write_config.write_text(yaml.safe_dump(cfg, sort_keys=False))
            console.print(f"site file written: {write_config} (run: homelake collect -c {write_config})")
        console.print("serving; press Ctrl-C to stop")
        done = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        done.wait()
    console.print("stopped")
