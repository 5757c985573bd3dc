"""Runs one target on its interval with jitter, timeout, retry with backoff, and a health row per poll."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime

from homelake.lake.schemas import COLLECTOR_HEALTH
from homelake.lake.writer import BufferedLakeWriter
from homelake.logs import redact
from homelake.sources import dataset as get
from homelake.sources.base import PollOutcome, PollTarget

log = logging.getLogger(__name__)


class PollTimeout(Exception):
    """The whole poll took longer than its deadline."""


class Poller:
    def __init__(  # noqa: PLR0913 - keyword-only poll settings and an injectable rng
        self,
        target: PollTarget,
        writer: BufferedLakeWriter,
        *,
        jitter: float = 0.1,
        retries: int = 2,
        backoff_s: float = 1.0,
        collector: str = "homelake",
        rng: random.Random | None = None,
    ) -> None:
        self.target = target
        self.writer = writer
        self.jitter = jitter
        self.retries = retries
        self.backoff_s = backoff_s
        self.collector = collector
        self.rng = rng or random.Random()  # noqa: S311 - jitter spreads polls, it guards no secret
        self.polls = 0
        self.failures = 0
        self.rows = 0
        self.failing_since: datetime | None = None  # set while the target fails, for the state-change logs
        self.failing_polls = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set. Never raises for a failing target."""
        await self._sleep(self.rng.uniform(0, self.jitter * self.target.interval_s), stop)
        while not stop.is_set():
            started = time.monotonic()
            await self.poll_once()
            spread = self.jitter * self.target.interval_s
            delay = self.target.interval_s + self.rng.uniform(-spread, spread) - (time.monotonic() - started)
            await self._sleep(max(0.0, delay), stop)

    async def poll_once(self) -> bool:
        """One poll with retries; writes rows, dead letters and one health row. Returns ok."""
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        outcome: PollOutcome | None = None
        error: Exception | None = None
        for attempt in range(self.retries + 1):
            outcome, error = await self._attempt()
            rows = sum(len(r.rows) for r in outcome.results) if outcome else 0
            transient = error is not None and self.target.is_transient(error)
            if error is None or rows or not transient or attempt == self.retries:
                break
            delay = self.backoff_s * (2**attempt) * (1 + self.rng.uniform(0, 0.25))
            log.info(
                "retry source=%s target=%s in=%.1fs after=%s",
                self.target.source,
                self.target.name,
                delay,
                type(error).__name__,
            )
            await asyncio.sleep(delay)
        row_count = await self._store(outcome) if outcome else 0
        if outcome is not None and outcome.on_durable:
            await self._confirm_durable(outcome)
        ok = error is None
        self.polls += 1
        self.failures += 0 if ok else 1
        health = {
            "observed_at": started_at,
            "received_at": datetime.now(UTC),
            "family": "homelake",
            "device_id": self.target.name,
            "collector": self.collector,
            "source": self.target.source,
            "target": self.target.name,
            "started_at": started_at,
            "duration_s": round(time.monotonic() - t0, 6),
            "ok": ok,
            "error_class": type(error).__name__ if error else None,
            "error_message": redact(str(error))[:500] if error else None,
            "row_count": row_count,
        }
        await asyncio.to_thread(self.writer.add, COLLECTOR_HEALTH, [health])
        self.rows += row_count
        self._log_outcome(ok, row_count, health, started_at)
        return ok

    def _log_outcome(self, ok: bool, row_count: int, health: dict[str, object], started_at: datetime) -> None:
        """Every poll at DEBUG; at INFO/WARNING only when the target starts failing or recovers."""
        source, name = self.target.source, self.target.name
        if ok:
            log.debug(
                "poll source=%s target=%s ok rows=%d duration=%.2fs", source, name, row_count, health["duration_s"]
            )
            if self.failing_since is not None:
                log.info(
                    "target recovered source=%s target=%s failed_polls=%d failing_since=%s",
                    source,
                    name,
                    self.failing_polls,
                    self.failing_since.isoformat(timespec="seconds"),
                )
            self.failing_since, self.failing_polls = None, 0
            return
        error = f"{health['error_class']}: {health['error_message']}"
        log.debug("poll source=%s target=%s failed rows=%d error=%s", source, name, row_count, error)
        self.failing_polls += 1
        if self.failing_since is None:
            self.failing_since = started_at
            log.warning("target failing source=%s target=%s error=%s", source, name, error)

    async def _attempt(self) -> tuple[PollOutcome | None, Exception | None]:
        deadline = self.target.timeout_s * 6
        try:
            outcome = await asyncio.wait_for(self.target.poll(), timeout=deadline)
        except TimeoutError:
            return None, PollTimeout(f"{self.target.name}: no answer within {deadline:.0f}s")
        except Exception as exc:  # a target's bug must not stop the runtime
            log.exception("poll crashed source=%s target=%s", self.target.source, self.target.name)
            return None, exc
        return outcome, (outcome.errors[0] if outcome.errors else None)

    async def _store(self, outcome: PollOutcome) -> int:
        lake = self.writer.writer
        count = 0
        for result in outcome.results:
            dataset = get(result.dataset)
            if result.rows:
                await asyncio.to_thread(self.writer.add, dataset, result.rows)
                count += len(result.rows)
            for reject in result.rejects:
                await asyncio.to_thread(
                    lake.dead_letter,
                    family=self.target.source,
                    dataset=result.dataset,
                    reason=reject.reason,
                    payload=reject.payload,
                    device_id=self.target.name,
                    collector=self.collector,
                )
        for dataset_key, reason, raw in outcome.dead_letters:
            await asyncio.to_thread(
                lake.dead_letter,
                family=self.target.source,
                dataset=dataset_key,
                reason=reason,
                payload=raw,
                device_id=self.target.name,
                collector=self.collector,
            )
        return count

    async def _confirm_durable(self, outcome: PollOutcome) -> None:
        """Flush, then tell the target its rows are durable; a failed flush tells it nothing (it resends)."""
        try:
            await asyncio.to_thread(self.writer.flush)
        except OSError as exc:
            log.warning("flush failed source=%s target=%s: %s", self.target.source, self.target.name, exc)
            return
        for callback in outcome.on_durable:
            callback()

    @staticmethod
    async def _sleep(seconds: float, stop: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass
