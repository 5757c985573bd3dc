"""Runs pollers together, flushes the lake on age, and shuts down cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

from homelake.lake.writer import BufferedLakeWriter
from homelake.runtime.poller import Poller

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


async def run_pollers(
    pollers: Sequence[Poller],
    writer: BufferedLakeWriter,
    *,
    stop: asyncio.Event | None = None,
    duration_s: float | None = None,
    install_signals: bool = True,
) -> None:
    """Run until stopped (signal, `stop` set, or `duration_s` elapsed); then flush every buffer."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if install_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(p.run(stop), name=f"{p.target.source}:{p.target.name}") for p in pollers]
    tasks.append(asyncio.create_task(_flush_loop(writer, stop, min(1.0, writer.max_age_s / 2))))
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
        report = await asyncio.to_thread(writer.flush)
        log.info("flushed rows=%d files=%d", report.rows_written, len(report.files))
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
