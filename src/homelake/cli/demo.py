"""`homelake demo`: the whole pipeline on a simulated site, with progress, ending in the inventory."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from homelake.cli.check import run_checks
from homelake.cli.common import UserError, console
from homelake.cli.transform import run_transform
from homelake.logs import setup_logging
from homelake.settings import Settings
from homelake.sim.demo.pipeline import DemoRun
from homelake.warehouse.query import connect_readonly

INVENTORY_SQL = """
select coalesce(name, '-') as name, coalesce(owner, '-') as owner, coalesce(room, '-') as room,
       coalesce(device_type, '-') as type, coalesce(current_ip, '-') as ip, mac,
       coalesce(current_hostname, '-') as hostname, is_online, is_known
from inventory
order by is_known, room nulls last, name nulls last, mac
"""


def print_inventory(warehouse: Path) -> tuple[int, int, int]:
    con = connect_readonly(warehouse)
    try:
        rows = con.execute(INVENTORY_SQL).fetchall()
    finally:
        con.close()
    table = Table(title="inventory", title_justify="left")
    for col in ("name", "owner", "room", "type", "ip", "mac", "hostname", "online", "known"):
        table.add_column(col)
    for name, owner, room, type_, ip, mac, hostname, online, known in rows:
        style = None if known else "bold yellow"
        table.add_row(
            name if known else "UNKNOWN DEVICE",
            owner,
            room,
            type_,
            ip,
            mac,
            hostname,
            "yes" if online else "no",
            "yes" if known else "NO",
            style=style,
        )
    console.print(table)
    return len(rows), sum(1 for r in rows if r[7]), sum(1 for r in rows if not r[8])


ENERGY_SQL = """
select room, local_date, round(energy_kwh, 2), is_complete from power_daily_by_room
where local_date >= (select max(local_date) from power_daily_by_room) - interval 2 day
order by room, local_date
"""


def print_energy(warehouse: Path) -> None:
    con = connect_readonly(warehouse)
    try:
        rows = con.execute(ENERGY_SQL).fetchall()
    finally:
        con.close()
    days = sorted({d for _, d, _, _ in rows})
    if not days:
        console.print("no energy data yet")
        return
    table = Table(title="daily consumption by room (kWh, site-local days; today so far)", title_justify="left")
    table.add_column("room")
    for day in days:
        table.add_column(str(day), justify="right")
    by_room: dict[str, dict[object, float]] = {}
    partial: set[tuple[str, object]] = set()
    for room, day, kwh, is_complete in rows:
        by_room.setdefault(room, {})[day] = kwh
        if not is_complete:
            partial.add((room, day))
    for room, values in sorted(by_room.items()):
        cells = [f"{values[d]:.2f}{'*' if (room, d) in partial else ''}" if d in values else "-" for d in days]
        table.add_row(room, *cells)
    table.add_row("total", *[f"{sum(v.get(d, 0) for v in by_room.values()):.2f}" for d in days], style="bold")
    console.print(table)
    if partial:
        console.print("* incomplete: readings cover less than 99 % of the day (see power_daily_by_room.coverage)")


def print_alerts(settings: Settings) -> None:
    """The alerts the build just opened or kept open (the state store beside the warehouse)."""
    from homelake.alerts.engine import state_path
    from homelake.alerts.store import AlertStore

    if not settings.alerts.enabled or not state_path(settings).exists():
        return
    with AlertStore(state_path(settings)) as store:
        open_alerts = list(store.open_alerts().values())
    console.print(f"alerts: {len(open_alerts)} open", highlight=False)
    for alert in open_alerts:
        console.print(f"  {alert.key}: {alert.message}", highlight=False)


def demo(
    days: Annotated[float, typer.Option(help="Days of simulated history to lay down before live collection.")] = 2,
    live: Annotated[float, typer.Option(help="Seconds of live collection over the real protocols.")] = 30,
    workdir: Annotated[Path, typer.Option(help="Where the demo keeps its site file, lake and warehouse.")] = Path(
        "var/demo"
    ),
    seed: Annotated[int, typer.Option(help="Simulated site seed.")] = 7,
    broker: Annotated[
        str,
        typer.Option(
            help="MQTT broker for the demo: auto (Mosquitto if installed, else embedded amqtt), mosquitto or amqtt."
        ),
    ] = "auto",
    serve: Annotated[bool, typer.Option(help="Keep running and serve the dashboard afterwards.")] = False,
    port: Annotated[int | None, typer.Option(help="Dashboard port with --serve (default 8765).")] = None,
) -> None:
    """Start a simulated site, collect from it, build the warehouse and show what homelake knows."""
    setup_logging("warning")
    t0 = time.monotonic()
    if broker not in ("auto", "mosquitto", "amqtt"):
        raise UserError("--broker must be auto, mosquitto or amqtt")
    run = DemoRun(workdir, seed=seed, days=days, broker_preference=broker)  # type: ignore[arg-type]
    console.print(
        f"[bold]homelake demo[/]: simulated site '{run.site.name}' with {len(run.site.clients)} "
        f"clients, {days:g} days of history + {live:g}s live",
        highlight=False,
    )
    try:
        run.start()
        counts = Counter(e["family"] for e in run.sim.endpoints())
        served = ", ".join(f"{n} {family}" for family, n in counts.items())
        console.print(f"[1/4] simulators up on loopback: {served} devices", highlight=False)
        console.print(f"      MQTT via {run.broker.describe() if run.broker else '-'}", highlight=False)
        run_checks(run.settings)  # what `homelake check` says about this site: every device and the broker
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(f"[2/4] laying down {days:g} days of history", total=1.0)
            rows = run.lay_history(progress=lambda f: bar.update(task, completed=f))
            bar.update(task, description=f"[2/4] history: {rows:,} rows through the parsers")
            task = bar.add_task(f"[3/4] collecting live for {live:g}s", total=live)
            start = time.monotonic()
            done = threading.Event()

            def tick() -> None:
                while not done.wait(0.5):
                    bar.update(task, completed=min(live, time.monotonic() - start))

            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
            run.collect_live(live)
            done.set()
            bar.update(
                task,
                completed=live,
                description=f"[3/4] live: {run.polls} static-target polls ({run.failed_polls} failed), "
                f"{run.messages} MQTT messages ingested; devices polled as found in DHCP",
            )
            task = bar.add_task("[4/4] dbt build into a fresh warehouse", total=None)
            report = run_transform(run.settings)
            bar.update(task, total=1, completed=1, description=f"[4/4] warehouse built in {report.duration_s:.0f}s")
    finally:
        run.stop()
    total, online, unknown = print_inventory(run.settings.warehouse.path)
    print_energy(run.settings.warehouse.path)
    print_alerts(run.settings)
    console.print(
        f"{total} devices, {online} online now, [bold yellow]{unknown} unknown[/] (not in device_metadata.csv)"
    )
    console.print(f"lake:      {run.settings.lake.root}", highlight=False)
    console.print(f"warehouse: {run.settings.warehouse.path}", highlight=False)
    console.print(f"site file: {run.site_file}  (e.g. homelake lake stats -c {run.site_file})", highlight=False)
    console.print(f"done in {time.monotonic() - t0:.0f}s")
    if serve:
        from homelake.cli.serve import serve as serve_dashboard

        serve_dashboard(config=run.site_file, host=None, port=port)
    else:
        console.print(f"dashboard: .venv/bin/homelake serve -c {run.site_file}   (or rerun the demo with --serve)")
