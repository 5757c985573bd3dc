"""A Prometheus text endpoint as a poll target: GET the metrics, keep the allow-listed samples."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import httpx

from homelake.sources.base import ParseContext, PayloadError, PollOutcome
from homelake.sources.http import FetchFailure, fetch
from homelake.sources.prometheus.allow import AllowList
from homelake.sources.prometheus.config import PrometheusEndpoint
from homelake.sources.prometheus.parser import SAMPLES, parse_text

HTTP_OK, SERVER_ERROR = 200, 500


class ScrapeError(Exception):
    """A scrape that produced nothing: `transient` says whether trying again soon may help."""

    def __init__(self, endpoint: str, detail: str, *, transient: bool) -> None:
        super().__init__(f"prometheus {endpoint}: {detail}")
        self.transient = transient


class PrometheusTarget:
    source = "prometheus"

    def __init__(  # noqa: PLR0913  # keyword-only knobs from the family's config
        self,
        endpoint: PrometheusEndpoint,
        allow: AllowList,
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        collector: str = "homelake",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint, self.allow, self.local_tz, self.collector = endpoint, allow, local_tz, collector
        self.name = endpoint.name
        self.interval_s, self.timeout_s = interval_s, timeout_s
        headers = {"Accept": "text/plain;version=0.0.4;q=0.9,*/*;q=0.1"}
        self._http = httpx.AsyncClient(timeout=timeout_s, transport=transport, headers=headers)

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(self.name)
        now = datetime.now(UTC)
        ctx = ParseContext("prometheus", self.name, self.collector, now, now, self.local_tz)
        try:
            status, raw = await fetch(self._http, self.endpoint.url)
        except FetchFailure as failure:
            transient = failure.kind in ("timeout", "connect", "cut")
            outcome.errors.append(ScrapeError(self.name, failure.detail, transient=transient))
            return outcome
        if status != HTTP_OK:
            detail = f"HTTP {status} from {self.endpoint.url}"
            outcome.errors.append(ScrapeError(self.name, detail, transient=status >= SERVER_ERROR))
            return outcome
        try:
            result = parse_text(raw, ctx, self.allow, node=self.endpoint.node, job=self.endpoint.job)
        except PayloadError as exc:
            outcome.dead_letters.append((SAMPLES, str(exc), raw))
            outcome.errors.append(ScrapeError(self.name, str(exc), transient=False))
            return outcome
        outcome.results.append(result)
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, ScrapeError) and exc.transient

    async def aclose(self) -> None:
        await self._http.aclose()
