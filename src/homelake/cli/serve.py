"""`homelake serve`: the read-only web dashboard (loopback by default; a credential is required beyond it)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from homelake.cli.common import console, fail, load
from homelake.secrets import SecretError
from homelake.web.config import DashboardConfig, DashboardConfigError

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def serve(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default dashboard.host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default dashboard.port, 8765).")] = None,
) -> None:
    """Serve the dashboard until Ctrl-C. Each request opens the published warehouse read-only."""
    import uvicorn

    from homelake.web.app import create_app

    settings = load(config)
    dashboard: DashboardConfig = getattr(settings, "dashboard", None) or DashboardConfig()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    dashboard = dashboard.model_copy(update=overrides)
    try:
        app = create_app(settings, dashboard)
    except (DashboardConfigError, SecretError) as exc:
        fail(str(exc))
    shown = f"[{dashboard.host}]" if ":" in dashboard.host else dashboard.host
    url = f"http://{shown}:{dashboard.port}/"
    console.print(f"dashboard on {url}  (warehouse {settings.warehouse.path})", highlight=False)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the handler it found: with the
    # default one the process dies by the signal (exit -15, multiprocessing's semaphores reported as leaked).
    # This handler turns it into a normal exit, as Ctrl-C is, so a service manager sees a clean stop.
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(app, host=dashboard.host, port=dashboard.port, log_level="warning", proxy_headers=False)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
