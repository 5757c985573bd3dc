"""`homelake collect`: run every configured poller (or only some families) until stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from homelake.cli.common import UserError, load
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import run_pollers
from homelake.settings import Settings
from homelake.sources.registry import SOURCES, build_targets

log = logging.getLogger("homelake.collect")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def make_pollers(settings: Settings, sources: list[str] | None, writer: BufferedLakeWriter) -> list[Poller]:
    try:
        targets = build_targets(settings, sources)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    d = settings.collect
    return [Poller(t, writer, jitter=d.jitter, retries=d.retries, backoff_s=d.backoff_s) for t in targets]


def open_writer(settings: Settings) -> BufferedLakeWriter:
    lake = LakeWriter(settings.lake.root)
    lake.ensure_anchors()
    return BufferedLakeWriter(lake, max_rows=settings.lake.flush_rows, max_age_s=settings.lake.flush_age_s)


def collect(
    config: ConfigOpt = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help=f"Only these families ({', '.join(SOURCES)}).")
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    ] = None,
) -> None:
    """Poll every configured device on its interval and land the rows in the lake."""
    settings = load(config)
    writer = open_writer(settings)
    pollers = make_pollers(settings, source, writer)
    if not pollers:
        raise UserError(
            "no targets configured for the chosen sources; add routers under 'mikrotik.routers' in the site file"
        )
    log.info("collecting targets=%d lake=%s", len(pollers), settings.lake.root)
    asyncio.run(run_pollers(pollers, writer, duration_s=duration))
