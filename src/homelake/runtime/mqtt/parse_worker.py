"""The parsing half of the ingester in a process of its own, so parsing runs beside the MQTT client
instead of sharing its GIL. It receives each batch after its verbatim archive is durable, writes the
parsed rows, and reports back; the ingester acknowledges the batch only then."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import time
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.batches import Message, route_messages, write_rows
from homelake.runtime.mqtt.config import TopicRoute
from homelake.runtime.mqtt.routing import Router

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

log = logging.getLogger(__name__)


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or "UTC"


def run(  # noqa: PLR0913, PLR0917 - a multiprocessing target, called with a positional args tuple
    inbox: Queue[tuple[int, list[tuple[Any, ...]]] | None],
    outbox: Queue[tuple[str, int, str | int]],
    topics: list[dict[str, str]],
    lake_root: str,
    collector: str,
    tz: str,
    parent: int,
) -> None:
    """Process main: batches in, ("done", id, dead) or ("unhealthy", id, why) out, until a None, or until
    the ingester is gone (killed with SIGKILL, it cannot say so: its batches are redelivered anyway)."""
    router = Router([TopicRoute(**t) for t in topics], collector=collector, local_tz=ZoneInfo(tz))
    lake = LakeWriter(Path(lake_root), collector=collector)
    while True:
        if os.getppid() != parent:
            # Orphaned: nobody reads our reports any more, and a normal exit would wait for the queue's
            # feeder thread to push them into a pipe that may be full (a hang). Leave at once; the
            # unacknowledged batches are redelivered to the next ingester anyway.
            os._exit(0)
        try:
            item = inbox.get(timeout=1.0)
        except queue.Empty:
            continue
        if item is None:
            return
        batch_id, messages = item
        rows, dead = route_messages(router, lake, [Message(*m) for m in messages], collector=collector, archive=False)
        while True:
            try:
                write_rows(lake, rows, dead, collector=collector)
                break
            except OSError as exc:  # the disk: report, wait, retry; the batch stays unacknowledged
                outbox.put(("unhealthy", batch_id, f"lake write failed: {exc}"))
                time.sleep(2.0)
        outbox.put(("done", batch_id, len(dead)))


class ParseProcess:
    """Main-side handle: submit batches in order, collect their completions in order."""

    def __init__(self, topics: list[TopicRoute], lake_root: Path, collector: str, tz: tzinfo = UTC) -> None:
        self._args = ([t.model_dump() for t in topics], str(lake_root), collector, _zone_name(tz))
        self._ctx = mp.get_context("spawn")  # never fork a process that runs threads
        self.process: Any = None
        self.inbox: Any = None
        self.outbox: Any = None

    def start(self) -> None:
        self.inbox, self.outbox = self._ctx.Queue(), self._ctx.Queue()
        self.process = self._ctx.Process(
            target=run,
            args=(self.inbox, self.outbox, *self._args, os.getpid()),
            name="homelake-parse",
            daemon=True,
        )
        self.process.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def submit(self, batch_id: int, messages: list[Message]) -> None:
        self.inbox.put((batch_id, [tuple(m) for m in messages]))

    def events(self, timeout: float) -> list[tuple[str, int, Any]]:
        """Completions and health reports; waits up to `timeout` for the first one."""
        out = []
        try:
            out.append(self.outbox.get(timeout=timeout))
            while True:
                out.append(self.outbox.get_nowait())
        except queue.Empty:
            pass
        return out

    def close(self, timeout: float = 30.0) -> None:
        if self.alive():
            self.inbox.put(None)
            self.process.join(timeout)
        if self.alive():
            self.process.kill()
