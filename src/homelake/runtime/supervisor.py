"""The collection supervisor: plans the site's pollers and discoveries from the Settings, runs them together,
flushes the lake on age, and shuts down cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.discovery import run_discovering_pollers
from homelake.runtime.families import build_discoveries, build_stream_targets, build_targets, from_lake
from homelake.runtime.poller import Poller
from homelake.runtime.stream import StreamRunner
from homelake.settings import Settings
from homelake.sources import DATASETS
from homelake.sources.base import Discovery, PollTarget

log = logging.getLogger(__name__)


async def _flush_loop(writer: BufferedLakeWriter, stop: asyncio.Event, every_s: float) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=every_s)
        except TimeoutError:
            pass
        try:
            await asyncio.to_thread(writer.flush_due)
        except OSError as exc:
            log.error("lake write failed, rows kept in memory and retried: %s", exc)


def summary(pollers: Sequence[Poller]) -> str:
    """One line for the log: polls, failures and rows so far, and which targets are failing now."""
    failing = [f"{p.target.source}:{p.target.name}" for p in pollers if p.failing_since is not None]
    return (
        f"targets={len(pollers)} polls={sum(p.polls for p in pollers)} failed={sum(p.failures for p in pollers)} "
        f"rows={sum(p.rows for p in pollers)} failing={','.join(failing) or 'none'}"
    )


async def _summary_loop(pollers: Sequence[Poller], stop: asyncio.Event, every_s: float) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=every_s)
        except TimeoutError:
            log.info("collect summary %s", summary(pollers))


async def run_pollers(  # noqa: PLR0913 - keyword-only run settings
    pollers: Sequence[Poller],
    writer: BufferedLakeWriter,
    *,
    stop: asyncio.Event | None = None,
    duration_s: float | None = None,
    install_signals: bool = True,
    summary_every_s: float = 300.0,
    streams: Sequence[StreamRunner] = (),
) -> None:
    """Run until stopped (signal, `stop` set, or `duration_s` elapsed); then flush every buffer. A summary
    line is logged every `summary_every_s` and at the end (each poll is logged at DEBUG only)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if install_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(p.run(stop), name=f"{p.target.source}:{p.target.name}") for p in pollers]
    tasks += [asyncio.create_task(s.run(stop), name=f"{s.target.source}:{s.target.name}") for s in streams]
    tasks.append(asyncio.create_task(_flush_loop(writer, stop, min(1.0, writer.max_age_s / 2))))
    tasks.append(asyncio.create_task(_summary_loop(pollers, stop, summary_every_s)))
    if duration_s is not None:
        loop.call_later(duration_s, stop.set)
    try:
        await stop.wait()
        log.info("stopping: waiting for polls in flight, then flushing")
        await asyncio.wait(tasks, timeout=30)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in pollers:
            await p.target.aclose()
        for s in streams:
            await s.target.aclose()
        report = await asyncio.to_thread(writer.flush)
        log.info("flushed rows=%d files=%d", report.rows_written, len(report.files))
        log.info("collect summary %s", summary(pollers))
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def open_writer(settings: Settings, collector: str = "homelake") -> BufferedLakeWriter:
    """The site's buffered lake writer, with every declared dataset's schema anchor in place."""
    lake = LakeWriter(settings.lake.root, collector=collector)
    lake.ensure_anchors(DATASETS.values())
    return BufferedLakeWriter(lake, max_rows=settings.lake.flush_rows, max_age_s=settings.lake.flush_age_s)


def make_poller(settings: Settings, target: PollTarget, writer: BufferedLakeWriter) -> Poller:
    d = settings.collect
    return Poller(target, writer, jitter=d.jitter, retries=d.retries, backoff_s=d.backoff_s)


@dataclass
class Collection:
    """The pollers and discoveries of one `collect` run, counted after it ends."""

    settings: Settings
    writer: BufferedLakeWriter
    pollers: list[Poller]
    discoveries: list[Discovery]
    streams: list[StreamRunner] = field(default_factory=list)

    @property
    def polls(self) -> int:
        return sum(p.polls for p in self.pollers)

    @property
    def failed_polls(self) -> int:
        return sum(p.failures for p in self.pollers)

    async def run(self, duration_s: float | None = None, install_signals: bool = True) -> None:
        """Static pollers and discovery loops side by side, all stopped by one signal or `duration_s`."""
        stop = asyncio.Event()
        loops = [
            run_discovering_pollers(
                from_lake(d, self.settings),
                self.writer,
                refresh_s=d.refresh_s,
                stop=stop,
                make_poller=lambda target: make_poller(self.settings, target, self.writer),
            )
            for d in self.discoveries
        ]
        await asyncio.gather(
            run_pollers(
                self.pollers,
                self.writer,
                stop=stop,
                duration_s=duration_s,
                install_signals=install_signals,
                streams=self.streams,
            ),
            *loops,
        )


def plan_collection(settings: Settings, families: Sequence[str] | None = None) -> Collection:
    """Every configured target and discovery of the chosen families (all when None), with the lake writer.
    Resolves secrets now; ValueError names an unknown family."""
    writer = open_writer(settings)
    pollers = [make_poller(settings, t, writer) for t in build_targets(settings, families)]
    streams = [
        StreamRunner(t, writer, backoff_s=settings.collect.backoff_s) for t in build_stream_targets(settings, families)
    ]
    return Collection(settings, writer, pollers, build_discoveries(settings, families), streams)
