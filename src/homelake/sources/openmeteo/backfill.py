"""The archive backfill as a poll target: days of the backfill range the lake lacks come from /v1/archive, once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from homelake.sources.base import ParseContext, PayloadError, PollOutcome, json_payload
from homelake.sources.openmeteo import parser
from homelake.sources.openmeteo.archive_state import ArchiveState
from homelake.sources.openmeteo.client import OpenMeteoError, RateLimited, call_weight, get_archive
from homelake.sources.openmeteo.config import OpenMeteoFamily
from homelake.sources.openmeteo.coverage import LakeCoverage, missing_days

log = logging.getLogger(__name__)
MAX_REQUESTS_PER_POLL = 8  # a long outage is filled over a few polls, never in a burst
DEFAULT_RETRY_AFTER = timedelta(minutes=1)  # Open-Meteo's limits are per minute, hour and day


def request_zone(config: OpenMeteoFamily, local_tz: tzinfo) -> tzinfo:
    """The zone `start_date`/`end_date` are read in: the request's `timezone` (`auto`: the site's)."""
    if config.timezone == "auto":
        return local_tz
    try:
        return ZoneInfo("UTC" if config.timezone == "GMT" else config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return local_tz


def chunks(days: list[date], size: int) -> list[list[date]]:
    """Runs of consecutive days, each at most `size` long: one request each."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] + timedelta(days=1) == day and len(runs[-1]) < size:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


class ArchiveBackfillTarget:
    """Each poll: the observed hours in the lake, the days of the last `backfill_days` that miss some, minus the
    days fetched before (the state file) and the days the archive cannot have yet (`archive_lag_days`); then one
    request per run of missing days, within the day's call budget and never before a 429's `Retry-After`."""

    source = "openmeteo"

    def __init__(  # noqa: PLR0913 - keyword-only wiring, as the forecast target's
        self,
        config: OpenMeteoFamily,
        *,
        local_tz: tzinfo,
        timeout_s: float,
        collector: str = "homelake",
        lake_root: Path | None = None,
        state_dir: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config, self.local_tz, self.collector = config, local_tz, collector
        self.name = f"{config.name}/archive"
        self.interval_s, self.timeout_s = config.archive_interval_s, timeout_s
        self.clock = clock or (lambda: datetime.now(UTC))
        self.zone = request_zone(config, local_tz)
        self.coverage = LakeCoverage(lake_root, config.name)
        path = state_dir / "openmeteo" / f"{config.name}.archive.json" if state_dir is not None else None
        self.state = ArchiveState.load(path)
        self._budget_logged: date | None = None
        self._http = httpx.AsyncClient(timeout=timeout_s, headers={"Accept": "application/json"})

    def range_days(self, now: datetime) -> list[date]:
        """Days of the backfill range the archive can already have (each ends `archive_lag_days` before now)."""
        today = now.astimezone(self.zone).date()
        ready_before = now - timedelta(days=self.config.archive_lag_days)
        days = [today - timedelta(days=n) for n in range(self.config.backfill_days, 0, -1)]
        return [d for d in days if self._midnight(d + timedelta(days=1)) <= ready_before]

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), self.zone)

    async def wanted(self, now: datetime) -> list[date]:
        """Days to ask the archive for now."""
        first = now.astimezone(self.zone).date() - timedelta(days=self.config.backfill_days)
        since = self._midnight(first)
        observed = await asyncio.to_thread(self.coverage.observed_hours, since)
        days = [d for d in self.range_days(now) if d not in self.state.done]
        return missing_days(days, self.zone, observed, self.config.backfill_min_gap_h)

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(target=self.name)
        now = self.clock()
        if self.state.not_before is not None and now < self.state.not_before:
            log.debug("open-meteo archive waits until=%s (Retry-After)", self.state.not_before.isoformat())
            return outcome
        for run in chunks(await self.wanted(now), self.config.archive_chunk_days)[:MAX_REQUESTS_PER_POLL]:
            if not self._spend(now, call_weight(len(self.config.hourly), len(run))):
                break
            if not await self._fetch(run, now, outcome):
                break
        return outcome

    def _spend(self, now: datetime, weight: float) -> bool:
        if self.state.spend(now, weight, self.config.archive_daily_calls):
            return True
        if self._budget_logged != now.date():  # once a day: the rest waits for tomorrow's budget
            self._budget_logged = now.date()
            log.info("open-meteo archive budget spent target=%s calls=%.1f of %.0f; the rest waits for tomorrow",
                     self.name, self.state.calls_used, self.config.archive_daily_calls)  # fmt: skip
        return False

    async def _fetch(self, run: list[date], now: datetime, outcome: PollOutcome) -> bool:
        """One archive request; False when the poll should stop (an error, a 429)."""
        try:
            answer = await get_archive(self._http, self.config, run[0], run[-1])
        except RateLimited as exc:
            wait = timedelta(seconds=exc.retry_after_s) if exc.retry_after_s is not None else DEFAULT_RETRY_AFTER
            self.state.not_before = exc.retry_at or now + wait
            self.state.save()
            outcome.errors.append(OpenMeteoError(f"{exc} (next try after {self.state.not_before.isoformat()})",
                                                 raw=exc.raw, transient=False))  # fmt: skip
            return False
        except OpenMeteoError as exc:
            outcome.errors.append(exc)
            return False
        ctx = ParseContext("openmeteo", self.config.name, self.collector, now, now, self.local_tz)
        try:
            result = parser.parse_weather(json_payload(answer.raw), ctx, api="archive")
        except PayloadError as exc:  # the lake keeps what it had; the answer is kept verbatim with the reason
            outcome.dead_letters.append((parser.WEATHER, f"archive {run[0]}..{run[-1]}: {exc}", answer.raw))
            outcome.errors.append(OpenMeteoError(f"GET /v1/archive {run[0]}..{run[-1]}: HTTP {answer.status}: {exc}",
                                                 raw=answer.raw, transient=False))  # fmt: skip
            return False
        complete = self._complete_days(result.rows, set(run))
        result.rows = [row for row in result.rows if self._day(row) in complete]
        if complete:
            outcome.results.append(result)
            outcome.on_durable.append(lambda: self._durable(complete, result.rows, now))
        later = sorted(set(run) - complete)
        if later:  # past the archive's reach yet (nulls): asked again on a later poll, not marked done
            log.info("open-meteo archive has no data yet target=%s days=%s", self.name, ",".join(map(str, later)))
        return True

    def _day(self, row: dict[str, Any]) -> date:
        at: datetime = row["time"]
        return at.astimezone(self.zone).date()

    def _complete_days(self, rows: list[dict[str, Any]], run: set[date]) -> set[date]:
        """Days of the run whose every hour the answer carries with a temperature."""
        seen: dict[date, int] = {}
        gaps: set[date] = set()
        for row in rows:
            day = self._day(row)
            if row["granularity"] != "hourly" or day not in run:
                continue
            seen[day] = seen.get(day, 0) + 1
            if row["temperature_2m"] is None:
                gaps.add(day)
        return {day for day, count in seen.items() if count >= 23 and day not in gaps}  # noqa: PLR2004 - DST day

    def _durable(self, days: set[date], rows: list[dict[str, Any]], now: datetime) -> None:
        self.coverage.add([row["time"] for row in rows if row["granularity"] == "hourly"])
        keep_from = now.astimezone(self.zone).date() - timedelta(days=self.config.backfill_days)
        self.state.mark_done(days, keep_from)
        log.info("open-meteo archive filled target=%s days=%s", self.name, ",".join(map(str, sorted(days))))

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, OpenMeteoError) and exc.transient

    async def aclose(self) -> None:
        await self._http.aclose()
