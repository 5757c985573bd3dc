"""`homelake collect`: run every configured poller and discovery (or only some families) until stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from homelake.cli.common import UserError, load
from homelake.runtime.supervisor import plan_collection
from homelake.sources import FAMILIES

log = logging.getLogger("homelake.collect")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def collect(
    config: ConfigOpt = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help=f"Only these families ({', '.join(f.name for f in FAMILIES)})."),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    ] = None,
) -> None:
    """Poll every configured device on its interval and land the rows in the lake."""
    settings = load(config)
    try:
        plan = plan_collection(settings, source)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not plan.pollers and not plan.discoveries:
        families = source or [f.name for f in FAMILIES]
        raise UserError(
            f"no targets configured for the chosen sources ({', '.join(families)}); add devices under their "
            "family's key in the site file (see the README's example site file)"
        )
    found = ",".join(d.family for d in plan.discoveries) or "none"
    log.info("collecting targets=%d discovery=%s lake=%s", len(plan.pollers), found, settings.lake.root)
    asyncio.run(plan.run(duration))
