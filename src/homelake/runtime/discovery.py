"""Pollers for targets that come and go: re-discover on an interval, start new ones, stop vanished ones."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from homelake.lake.writer import BufferedLakeWriter
from homelake.runtime.poller import Poller
from homelake.sources.base import PollTarget

log = logging.getLogger(__name__)
Discover = Callable[[], Awaitable[Sequence[PollTarget]]]  # every target to poll now
MakePoller = Callable[[PollTarget], Poller]
SHUTDOWN_GRACE_S = 30.0
EMPTY_REFRESH_S = 5.0  # while nothing is found (e.g. the first leases are not in the lake yet), look sooner


def _url(target: PollTarget) -> str | None:
    """Where a target points, when it says (an HTTP device that moved to another address is a new poller)."""
    url = getattr(target, "url", None)
    return url if isinstance(url, str) else None


@dataclass
class _Running:
    poller: Poller
    task: asyncio.Task[None]
    stop: asyncio.Event


class DiscoveringPollers:
    """The pollers of the latest discovery, by target name; `refresh()` reconciles them with a new one."""

    def __init__(self, discover: Discover, make_poller: MakePoller) -> None:
        self.discover = discover
        self.make_poller = make_poller
        self.running: dict[str, _Running] = {}

    async def refresh(self) -> None:
        """Discover once: start pollers for new names, stop those no longer found, keep the rest."""
        try:
            found = await self.discover()
        except Exception:  # a discovery bug or a lake hiccup: keep polling what we have, try again later
            log.exception("discovery failed; keeping targets=%d", len(self.running))
            return
        latest: dict[str, PollTarget] = {}
        for target in found:
            if target.name in latest or self._keeps(target):
                await target.aclose()  # a duplicate, or one already running as it is
            else:
                latest[target.name] = target
        for name, target in latest.items():
            changed = name in self.running
            if changed:
                await self._stop(name, grace_s=target.timeout_s)
            self._start(target)
            log.info(
                "%s target %s device=%s url=%s", target.source, "changed" if changed else "added", name, _url(target)
            )
        gone = set(self.running) - {t.name for t in found}
        for name in sorted(gone):
            target = self.running[name].poller.target
            await self._stop(name, grace_s=target.timeout_s)
            log.info("%s target removed device=%s url=%s", target.source, name, _url(target))

    def _keeps(self, target: PollTarget) -> bool:
        current = self.running.get(target.name)
        return current is not None and _url(current.poller.target) == _url(target)

    def _start(self, target: PollTarget) -> None:
        poller = self.make_poller(target)
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop), name=f"{target.source}:{target.name}")
        self.running[target.name] = _Running(poller, task, stop)

    async def _stop(self, name: str, *, grace_s: float) -> None:
        """Let a poll in flight finish (up to `grace_s`), then cancel, and close the target."""
        running = self.running.pop(name)
        running.stop.set()
        _, pending = await asyncio.wait({running.task}, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(running.task, return_exceptions=True)
        await running.poller.target.aclose()

    async def close(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop every poller together, waiting up to `grace_s` for polls in flight."""
        for running in self.running.values():
            running.stop.set()
        names = list(self.running)
        await asyncio.gather(*(self._stop(name, grace_s=grace_s) for name in names))


async def run_discovering_pollers(
    discover: Discover,
    writer: BufferedLakeWriter,
    *,
    refresh_s: float,
    stop: asyncio.Event,
    make_poller: MakePoller,
) -> None:
    """Re-discover every `refresh_s` until `stop` is set; then stop every poller and flush their rows.

    A new name gets a poller on the refresh that first finds it (no restart needed); a name that is no
    longer found has its poller stopped and its target closed.
    """
    pollers = DiscoveringPollers(discover, make_poller)
    try:
        while not stop.is_set():
            await pollers.refresh()
            wait_s = refresh_s if pollers.running else min(refresh_s, EMPTY_REFRESH_S)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait_s)
            except TimeoutError:
                pass
    finally:
        await pollers.close()
        report = await asyncio.to_thread(writer.flush)
        if report.rows_written:
            log.info("flushed rows=%d files=%d", report.rows_written, len(report.files))
