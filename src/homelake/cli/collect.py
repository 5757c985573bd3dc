"""`homelake collect`: run every configured poller and discovery (or only some families) until stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from homelake.cli.common import UserError, load
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.discovery import run_discovering_pollers
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import run_pollers
from homelake.runtime.target import PollTarget
from homelake.settings import Settings
from homelake.sources.registry import SOURCES, Discovery, build_discoveries, build_targets

log = logging.getLogger("homelake.collect")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def make_pollers(settings: Settings, sources: list[str] | None, writer: BufferedLakeWriter) -> list[Poller]:
    try:
        targets = build_targets(settings, sources)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return [make_poller(settings, t, writer) for t in targets]


def make_poller(settings: Settings, target: PollTarget, writer: BufferedLakeWriter) -> Poller:
    d = settings.collect
    return Poller(target, writer, jitter=d.jitter, retries=d.retries, backoff_s=d.backoff_s)


def make_discoveries(settings: Settings, sources: list[str] | None) -> list[Discovery]:
    try:
        return build_discoveries(settings, sources)
    except ValueError as exc:
        raise UserError(str(exc)) from None


async def run_collect(
    settings: Settings,
    pollers: list[Poller],
    discoveries: list[Discovery],
    writer: BufferedLakeWriter,
    duration_s: float | None = None,
    install_signals: bool = True,
) -> None:
    """Static pollers and discovery loops side by side, all stopped by one signal or `duration_s`."""
    stop = asyncio.Event()
    loops = [
        run_discovering_pollers(
            d.discover,
            writer,
            refresh_s=d.refresh_s,
            stop=stop,
            make_poller=lambda target: make_poller(settings, target, writer),
        )
        for d in discoveries
    ]
    await asyncio.gather(
        run_pollers(pollers, writer, stop=stop, duration_s=duration_s, install_signals=install_signals), *loops
    )


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
    discoveries = make_discoveries(settings, source)
    if not pollers and not discoveries:
        raise UserError(
            "no targets configured for the chosen sources; add routers under 'mikrotik.routers' "
            "or devices under 'shelly.devices' in the site file"
        )
    found = ",".join(d.family for d in discoveries) or "none"
    log.info("collecting targets=%d discovery=%s lake=%s", len(pollers), found, settings.lake.root)
    asyncio.run(run_collect(settings, pollers, discoveries, writer, duration))
