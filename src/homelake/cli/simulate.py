"""`homelake simulate`: serve the simulated site on loopback until stopped, printing every endpoint."""

from __future__ import annotations

import signal
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from homelake.cli.common import console
from homelake.sim.local_broker import start_local_broker
from homelake.sim.serve import SimulatedSite
from homelake.sim.site import build_site


def simulate(
    seed: Annotated[int, typer.Option(help="Site seed: the same seed gives the same site.")] = 7,
    tls: Annotated[bool, typer.Option(help="Serve HTTPS with a self-signed certificate.")] = False,
    write_config: Annotated[Path | None, typer.Option(help="Write a site file for these endpoints here.")] = None,
    devices: Annotated[bool, typer.Option(help="Also the Shelly devices (HTTP) and their MQTT traffic.")] = True,
    broker: Annotated[
        str, typer.Option(help="MQTT broker: auto (Mosquitto if installed, else embedded amqtt), mosquitto or amqtt.")
    ] = "auto",
    shelly_port: Annotated[
        int,
        typer.Option(
            help="Port of every Shelly device on its own loopback address; 0 picks free ports. 80 (needs root) "
            "serves them where clients that assume port 80 look, such as Home Assistant's aioshelly for Gen1."
        ),
    ] = 0,
) -> None:
    """Serve the simulated site (routers, Shelly devices, MQTT) on loopback, as a real site, until Ctrl-C."""
    site = build_site(seed)
    local = None
    if devices:
        local = start_local_broker(Path(tempfile.mkdtemp(prefix="homelake-sim-broker-")), prefer=broker)  # type: ignore[arg-type]
    extra = (
        {"shelly": True, "shelly_port": shelly_port, "mqtt_host": local.host, "mqtt_port": local.port} if local else {}
    )
    try:
        _serve(site, tls, write_config, local, extra)
    finally:
        if local is not None:
            local.stop()


def _serve(site, tls, write_config, local, extra) -> None:  # noqa: ANN001 - plumbing of simulate()
    with SimulatedSite(site, tls=tls, **extra) as sim:
        table = Table(title=f"simulated site '{site.name}' ({len(site.clients)} clients) on loopback")
        for col in ("device", "role", "endpoint", "username", "password"):
            table.add_column(col)
        for e in sim.endpoints():
            table.add_row(e["name"], e["role"], e["url"] + "/rest", e["username"], e["password"])
        console.print(table)
        if sim.fleet is not None:
            shellies = Table(title="Shelly devices (LAN address from DHCP -> loopback address)")
            for col in ("device", "gen", "model", "LAN ip", "endpoint", "password"):
                shellies.add_column(col)
            for d in sim.fleet.devices():
                shellies.add_row(
                    d["device_id"], str(d["gen"]), d["model"], d["lan_ip"], d["url"], d.get("password", "-")
                )
            console.print(shellies)
            console.print(
                f"MQTT: {local.describe()}; devices publish under shellies/#, <device id>/events/rpc, zigbee2mqtt/#",
                highlight=False,
            )
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
