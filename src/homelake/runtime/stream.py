"""Follows long-lived stream targets: a watchdog on silence (probe first), reconnect with backoff, health rows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from homelake.lake.schemas import COLLECTOR_HEALTH
from homelake.lake.writer import BufferedLakeWriter
from homelake.logs import redact
from homelake.sources import dataset as get
from homelake.sources.base import PollOutcome, StreamTarget

log = logging.getLogger(__name__)


class StreamStalled(Exception):
    """The stream sent nothing for the target's stall time."""


class StreamRunner:
    """Keeps one StreamTarget connected until `stop`; never raises for a failing device."""

    def __init__(  # noqa: PLR0913 - the target, where rows go, and the runner's knobs
        self,
        target: StreamTarget,
        writer: BufferedLakeWriter,
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.target, self.writer, self.collector = target, writer, collector
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()  # noqa: S311 - reconnect jitter, not cryptography
        self.connects = self.stalls = self.failures = self.rows = 0

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            error = await self._session(stop)
            if stop.is_set():
                break
            failures = failures + 1 if error is not None else 0
            delay = min(self.max_backoff_s, self.backoff_s * 2 ** min(failures, 10)) * (1 + self.rng.uniform(0, 0.25))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def _session(self, stop: asyncio.Event) -> Exception | None:
        started, t0, rows = self.clock(), time.monotonic(), 0
        stream: AsyncIterator[PollOutcome] = self.target.follow()
        stopping = asyncio.ensure_future(stop.wait())
        pending: asyncio.Future[PollOutcome] | None = None
        error: Exception | None = None
        connected = False
        try:
            while not stop.is_set():
                pending = pending or asyncio.ensure_future(anext(stream))
                waiters: set[asyncio.Future[Any]] = {pending, stopping}
                done, _ = await asyncio.wait(waiters, timeout=self.target.stall_s,
                                             return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                if not done:
                    alive = await self._probe()
                    if alive and self.target.quiet_ok():
                        continue  # a device that never sends keep-alives and still answers: silence is normal
                    self.stalls += 1
                    error = StreamStalled(f"nothing for {self.target.stall_s:.0f}s; device answers: {alive}")
                    break
                if pending not in done:
                    break
                outcome, pending = pending.result(), None
                if not connected:
                    connected = True
                    self.connects += 1
                    await self._health(started, 0.0, ok=True, error=None, rows=0, note="connected")
                rows += await self._store(outcome)
        except StopAsyncIteration:
            error = ConnectionResetError("the device closed the stream")
        except Exception as exc:  # a target's failure must not stop the runtime
            error = exc
        finally:
            stopping.cancel()
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]  # async generators have aclose
        self.rows += rows
        self.failures += error is not None
        if not connected and error is None:
            return None  # stopped while connecting: nothing happened worth a row
        await self._health(started, time.monotonic() - t0, ok=error is None, error=error, rows=rows, note="closed")
        return error

    async def _probe(self) -> bool:
        try:
            return await asyncio.wait_for(self.target.probe(), timeout=max(1.0, self.target.stall_s / 3))
        except Exception:  # any failure of the probe means: not answering
            return False

    async def _store(self, outcome: PollOutcome) -> int:
        count = 0
        lake = self.writer.writer
        for result in outcome.results:
            if result.rows:
                await asyncio.to_thread(self.writer.add, get(result.dataset), result.rows)
                count += len(result.rows)
        dead = [(result.dataset, r.reason, r.payload) for result in outcome.results for r in result.rejects]
        for key, reason, raw in dead + outcome.dead_letters:
            await asyncio.to_thread(lake.dead_letter, family=self.target.source, dataset=key, reason=reason,
                                        payload=raw, device_id=outcome.target, collector=self.collector)  # fmt: skip
        return count

    async def _health(  # noqa: PLR0913 - one argument per health column that varies
        self, started: datetime, duration_s: float, *, ok: bool, error: Exception | None, rows: int, note: str
    ) -> None:
        message = redact(f"{note}: {error}")[:500] if error else note
        row = {"observed_at": self.clock(), "received_at": self.clock(), "family": "homelake",
               "device_id": self.target.name, "collector": self.collector, "source": self.target.source,
               "target": self.target.name, "started_at": started, "duration_s": round(duration_s, 6), "ok": ok,
               "error_class": type(error).__name__ if error else None, "error_message": message,
               "row_count": rows}  # fmt: skip
        await asyncio.to_thread(self.writer.add, COLLECTOR_HEALTH, [row])
        if error is not None:
            log.warning("stream source=%s target=%s %s error=%s: %s", self.target.source, self.target.name, note,
                        type(error).__name__, redact(str(error)))  # fmt: skip
        else:
            log.info("stream source=%s target=%s %s rows=%d", self.target.source, self.target.name, note, rows)
