"""`homelake simulate`: serve the simulated site on loopback until stopped, printing every endpoint."""

from __future__ import annotations

import atexit
import faulthandler
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from homelake.cli.check import run_checks
from homelake.cli.common import UserError, console
from homelake.settings import parse_settings
from homelake.sim.demo.local_broker import start_local_broker
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import build_site
from homelake.sources import FAMILIES


def _options(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """`family.key=value` pairs -> {family: {key: value}}; values are YAML scalars (80, true, text)."""
    known = {spec.name for spec in FAMILIES}
    options: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        family, _, key = name.partition(".")
        if not key or not _ or family not in known:
            raise UserError(f"--option {pair!r}: use FAMILY.KEY=VALUE with a family of: {', '.join(sorted(known))}")
        options.setdefault(family, {})[key] = yaml.safe_load(value)
    return options


def simulate(
    seed: Annotated[int, typer.Option(help="Site seed: the same seed gives the same site.")] = 7,
    tls: Annotated[bool, typer.Option(help="Serve HTTPS with a self-signed certificate.")] = False,
    write_config: Annotated[Path | None, typer.Option(help="Write a site file for these endpoints here.")] = None,
    broker: Annotated[
        str, typer.Option(help="MQTT broker: auto (Mosquitto if installed, else embedded amqtt), mosquitto or amqtt.")
    ] = "auto",
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="A family's simulator option, FAMILY.KEY=VALUE (repeatable); the README's simulator section "
            "lists them (e.g. a port that clients which assume one can reach).",
        ),
    ] = None,
) -> None:
    """Serve the simulated site (every family's devices, and their MQTT traffic) on loopback until Ctrl-C."""
    # the site's history starts a day ago: every simulator answers "now" without replaying months of its model
    site = build_site(seed, start=datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1))
    options = _options(option or [])
    local = start_local_broker(Path(tempfile.mkdtemp(prefix="homelake-sim-broker-")), prefer=broker)  # type: ignore[arg-type]
    try:
        with SimulatedSite(site, tls=tls, options=options, mqtt_host=local.host, mqtt_port=local.port) as sim:
            _show(sim, site.name, len(site.clients), local.describe(), tls)
            # the site file for these simulators (written with --write-config), checked as `homelake check` would
            base = write_config.parent.resolve() if write_config else Path(tempfile.mkdtemp(prefix="homelake-sim-"))
            cfg = sim.site_config(
                base / "lake",
                base / "warehouse" / "homelake.duckdb",
                base / "secrets",
                metadata_csv=base / "device_metadata.csv",
            )
            if write_config is not None:
                write_config.write_text(yaml.safe_dump(cfg, sort_keys=False))
                console.print(f"site file written: {write_config} (run: homelake collect -c {write_config})")
            run_checks(parse_settings(cfg, source=str(write_config or "simulated site"), base=base))
            done = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):  # before "serving": a caller may signal as soon as it reads it
                signal.signal(sig, lambda *_: done.set())
            console.print("serving; press Ctrl-C to stop")
            done.wait()
            _stop_within(SHUTDOWN_LIMIT_S, local.stop)
    finally:
        local.stop()
    console.print("stopped")


SHUTDOWN_LIMIT_S = 30.0


def _stop_within(limit_s: float, last: Callable[[], None]) -> None:
    """A watchdog for the shutdown that follows: if the simulators have not stopped within `limit_s`, print every
    thread's stack (what hung), run `last` (stop the broker) and exit with status 1 rather than hang the caller."""

    def watch() -> None:
        if finished.wait(limit_s):
            return
        print(f"simulate: shutdown did not finish in {limit_s:.0f} s; the threads were:", file=sys.stderr, flush=True)
        faulthandler.dump_traceback(all_threads=True)
        last()
        os._exit(1)

    finished = threading.Event()
    atexit.register(finished.set)
    threading.Thread(target=watch, name="shutdown-watchdog", daemon=True).start()


def _show(sim: SimulatedSite, name: str, clients: int, broker: str, tls: bool) -> None:
    table = Table(title=f"simulated site '{name}' ({clients} clients) on loopback")
    for col in ("family", "device", "kind", "endpoint", "login"):
        table.add_column(col)
    for e in sim.endpoints():
        table.add_row(e["family"], e["name"], e["kind"], e["url"], e["login"])
    console.print(table)
    topics = ", ".join(topic for spec in FAMILIES for topic in spec.mqtt_topics)
    console.print(f"MQTT: {broker}; devices publish under {topics}", highlight=False)
    http = next((e for e in sim.endpoints() if e["url"].startswith("http") and " / " in e["login"]), None)
    if http is not None:
        user, _, password = http["login"].partition(" / ")
        console.print(f"try: curl -su {user}:{password} {http['url']}" + (" -k" if tls else ""), highlight=False,
                      soft_wrap=True)  # fmt: skip
