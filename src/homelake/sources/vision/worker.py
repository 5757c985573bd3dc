"""The worker pool: leases due jobs from the outbox, sends each image to its provider under a concurrency and a
rate limit, retries transient failures with tenacity (exponential backoff, jitter, Retry-After), and records
each outcome once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from homelake.sources.vision.canonical import Analysis, detection_columns
from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.outbox import Job, Outbox
from homelake.sources.vision.providers.base import ParseFailure, PermanentError, Provider, TransientError

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class RateLimit:
    """At most `per_s` sends per second across the pool (a spacing, not a burst allowance)."""

    def __init__(self, per_s: float, clock: Clock, sleep: Callable[[float], None]) -> None:
        self.spacing, self.clock, self.sleep = 1.0 / per_s, clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self.clock().timestamp()
            slot = max(now, self._next)
            self._next = slot + self.spacing
        if slot > now:
            self.sleep(slot - now)


class Worker:
    """Sends the outbox's due jobs; `run_due()` returns when nothing is due (call it on every poll)."""

    def __init__(  # noqa: PLR0913 - the config, its providers, the store and the injectable clock
        self,
        config: VisionFamily,
        providers: dict[str, Provider],
        outbox: Outbox,
        *,
        local_tz: tzinfo,
        collector: str = "homelake",
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config, self.providers, self.outbox = config, providers, outbox
        self.local_tz, self.collector = local_tz, collector
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep or time.sleep
        self.rate = RateLimit(config.rate_per_s, self.clock, self.sleep)
        self._day: str | None = None

    def day(self, now: datetime) -> str:
        return now.astimezone(self.local_tz).date().isoformat()

    def run_due(self) -> int:
        """Lease and send batches of due jobs until none is due; returns how many leases were handled."""
        handled = 0
        caps = {p.name: (p.daily_max_calls, p.daily_max_cost_usd) for p in self.config.providers}
        cost = {name: provider.cost_per_call_usd for name, provider in self.providers.items()}
        lease_s = self.config.attempts_per_lease * (max(p.timeout_s for p in self.config.providers) + 60.0) + 60.0
        with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="vision") as pool:
            while True:
                now = self.clock()
                self._new_day(now)
                day = self.day(now)
                leased, skipped = self.outbox.lease(
                    now, day=day, lease_s=lease_s, limit=self.config.concurrency, caps=caps, cost=cost
                )
                if skipped:
                    self.outbox.add_rows(
                        [("vision/requests", self._request_row(job, now, "skipped_budget")) for job in skipped]
                    )
                if not leased:
                    return handled + len(skipped)
                list(pool.map(self._process, leased, [day] * len(leased)))
                handled += len(leased) + len(skipped)

    def _new_day(self, now: datetime) -> None:
        """Jobs skipped over an earlier day's budget go back to the queue, for providers configured so."""
        day = self.day(now)
        if day != self._day:
            wanted = [p.name for p in self.config.providers if p.send_skipped_next_day]
            if wanted and (count := self.outbox.release_skipped(now, wanted, today=day)):
                log.info("vision: %d jobs skipped over an earlier day's budget are queued again", count)
        self._day = day

    def _process(self, job: Job, day: str) -> None:
        provider = self.providers.get(job.provider)
        if provider is None:  # the site file no longer names it: kept with the reason, never sent elsewhere
            self.outbox.finish(job, "dead", day=day, refund=0.0, reason=f"provider {job.provider!r} not configured")
            return
        refund = provider.cost_per_call_usd
        if not self.config.enabled or self.config.provider_for(job.camera) is None:
            self.outbox.finish(job, "dead", day=day, refund=refund, reason="camera not opted in (not sent)")
            return
        try:
            jpeg = Path(job.path).read_bytes()
        except OSError as exc:
            reason = f"image unreadable: {exc.strerror}"
            self.outbox.finish(
                job,
                "dead",
                day=day,
                refund=refund,
                reason=reason,
                rows=[
                    (
                        "vision/requests",
                        self._request_row(job, self.clock(), "dead", error_class="missing", error=reason),
                    )
                ],
            )
            return
        tries = {"n": 0}

        def call() -> tuple[Analysis, float]:
            tries["n"] += 1
            self.rate.acquire()
            begin = time.monotonic()
            try:
                analysis = provider.analyse(jpeg)
            except TransientError as exc:
                latency = (time.monotonic() - begin) * 1000
                self.outbox.add_rows(
                    [
                        (
                            "vision/requests",
                            self._request_row(
                                job,
                                self.clock(),
                                "retry",
                                attempt=self._attempt(job, tries["n"]),
                                http_status=exc.http_status,
                                latency_ms=latency,
                                error_class=exc.error_class,
                                error=str(exc),
                            ),
                        )
                    ]
                )
                raise
            return analysis, (time.monotonic() - begin) * 1000

        retrying = Retrying(
            stop=stop_after_attempt(self.config.attempts_per_lease),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            analysis, latency_ms = retrying(call)
        except TransientError as exc:
            self._requeue(job, day, exc)
            return
        except ParseFailure as exc:
            row = self._request_row(
                job,
                self.clock(),
                "parse_error",
                attempt=self._attempt(job, tries["n"]),
                http_status=exc.http_status,
                cost_usd=exc.cost_usd,
                error_class=exc.error_class,
                error=exc.text[:1000],
            )
            self.outbox.finish(
                job, "parse_failed", day=day, refund=None, reason=str(exc)[:300], rows=[("vision/requests", row)]
            )
            return
        except PermanentError as exc:
            row = self._request_row(
                job,
                self.clock(),
                "dead",
                attempt=self._attempt(job, tries["n"]),
                http_status=exc.http_status,
                error_class=exc.error_class,
                error=str(exc),
            )
            self.outbox.finish(
                job, "dead", day=day, refund=refund, reason=str(exc)[:300], rows=[("vision/requests", row)]
            )
            return
        self._done(job, day, provider, analysis, latency_ms=latency_ms, attempt=self._attempt(job, tries["n"]))

    def _attempt(self, job: Job, try_number: int) -> int:
        return (job.attempts - 1) * self.config.attempts_per_lease + try_number

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff with full jitter, never shorter than the provider's Retry-After."""
        backoff = wait_random_exponential(multiplier=self.config.backoff_s, max=60.0)(state)
        exc = state.outcome.exception() if state.outcome is not None else None
        hint = exc.retry_after_s if isinstance(exc, TransientError) and exc.retry_after_s is not None else 0.0
        return max(backoff, hint)

    def _requeue(self, job: Job, day: str, exc: TransientError) -> None:
        provider = self.providers[job.provider]
        calls = job.attempts * self.config.attempts_per_lease
        if calls >= self.config.max_attempts:
            self.outbox.finish(
                job,
                "dead",
                day=day,
                refund=provider.cost_per_call_usd,
                reason=f"gave up after {calls} attempts: {exc}"[:300],
            )
            return
        wait = min(self.config.requeue_s * 2 ** (job.attempts - 1), self.config.requeue_max_s)
        wait = max(wait, exc.retry_after_s or 0.0)
        self.outbox.finish(
            job,
            "queued",
            day=day,
            refund=provider.cost_per_call_usd,
            reason=str(exc)[:300],
            next_at=self.clock() + timedelta(seconds=wait),
        )

    def _done(  # noqa: PLR0913 - the job, its lease's day and what the call returned
        self, job: Job, day: str, provider: Provider, analysis: Analysis, *, latency_ms: float, attempt: int
    ) -> None:
        now = self.clock()
        base = self._base(job, now) | {"provider_kind": provider.kind, "model": analysis.model}
        detections = [
            base | detection_columns(i, d, latency_ms=latency_ms, cost_usd=analysis.cost_usd)
            for i, d in enumerate(analysis.detections)
        ]
        request = self._request_row(
            job,
            now,
            "ok",
            attempt=attempt,
            http_status=analysis.http_status,
            latency_ms=latency_ms,
            cost_usd=analysis.cost_usd,
            model=analysis.model,
            detection_count=len(detections),
        )
        result = [[d["label"], d["provider_label"], d["confidence"]] for d in detections]
        self.outbox.finish(
            job,
            "done",
            day=day,
            refund=None,
            result=result,
            rows=[("vision/requests", request)] + [("vision/detections", d) for d in detections],
        )

    def _base(self, job: Job, now: datetime) -> dict[str, Any]:
        return {
            "observed_at": now.isoformat(),
            "received_at": now.isoformat(),
            "family": "vision",
            "device_id": job.camera,
            "collector": self.collector,
            "sha256": job.sha256,
            "camera": job.camera,
            "taken_at": job.taken_at.isoformat(),
            "provider": job.provider,
        }

    def _request_row(  # noqa: PLR0913 - one keyword per column that varies
        self,
        job: Job,
        now: datetime,
        status: str,
        *,
        attempt: int | None = None,
        http_status: int | None = None,
        latency_ms: float | None = None,
        cost_usd: float = 0.0,
        error_class: str | None = None,
        error: str | None = None,
        model: str | None = None,
        detection_count: int | None = None,
    ) -> dict[str, Any]:
        provider = self.providers.get(job.provider)
        return self._base(job, now) | {
            "provider_kind": provider.kind if provider else None,
            "model": model or (provider.model if provider else None),
            "attempt": attempt,
            "status": status,
            "http_status": http_status,
            "latency_ms": latency_ms,
            "cost_usd": cost_usd,
            "error_class": error_class,
            "error_message": error,
            "detection_count": detection_count,
        }
