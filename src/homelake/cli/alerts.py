"""`homelake alerts`: the open alerts, the latest closed ones and the spool; `--send` retries the spool now."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homelake.cli.common import console, load

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def alerts(
    config: ConfigOpt = None,
    send: Annotated[bool, typer.Option("--send", help="Retry the notifications waiting in the spool now.")] = False,
    history: Annotated[int, typer.Option(help="How many closed alerts to show.")] = 10,
) -> None:
    """Show the alerts the last `homelake transform` left open, the latest closed ones and the unsent spool."""
    from homelake.alerts.engine import send_spooled, state_path
    from homelake.alerts.store import AlertStore

    settings = load(config)
    path = state_path(settings)
    if not path.exists():
        console.print(f"no alerts yet ({path} is made by the first `homelake transform`)", highlight=False)
        return
    if send:
        sent, waiting = send_spooled(settings)
        console.print(f"spool: {sent} sent, {waiting} still waiting", highlight=False)
    with AlertStore(path) as store:
        every = store.history()
        pending = store.pending()
    table = Table(title="alerts", title_justify="left")
    for column in ("key", "opened (UTC)", "closed (UTC)", "message"):
        table.add_column(column)
    closed = [a for a in every if a.closed_at is not None][-history:] if history > 0 else []
    for alert in [a for a in every if a.closed_at is None] + closed:
        table.add_row(
            alert.key,
            f"{alert.opened_at:%Y-%m-%d %H:%M}",
            f"{alert.closed_at:%Y-%m-%d %H:%M}" if alert.closed_at else "open",
            alert.message,
            style="bold red" if alert.closed_at is None else None,
        )
    console.print(table)
    console.print(f"{sum(1 for a in every if a.closed_at is None)} open; {len(pending)} notifications in the spool")
