"""Open-Meteo as a poll target: one forecast run per poll, every run kept; an error keeps the last good data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

import httpx

from homelake.sources.base import ParseContext, PayloadError, PollOutcome, json_payload
from homelake.sources.openmeteo import parser
from homelake.sources.openmeteo.client import OpenMeteoError, get_forecast
from homelake.sources.openmeteo.config import OpenMeteoFamily

log = logging.getLogger(__name__)


class OpenMeteoTarget:
    source = "openmeteo"

    def __init__(
        self,
        config: OpenMeteoFamily,
        *,
        local_tz: tzinfo,
        timeout_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config, self.name, self.local_tz, self.collector = config, config.name, local_tz, collector
        self.interval_s, self.timeout_s = config.interval_s, timeout_s
        self.clock = clock or (lambda: datetime.now(UTC))
        self._http = httpx.AsyncClient(timeout=timeout_s, headers={"Accept": "application/json"})

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(target=self.name)
        try:
            answer = await get_forecast(self._http, self.config)
        except OpenMeteoError as exc:
            outcome.errors.append(exc)
            return outcome
        now = self.clock()
        ctx = ParseContext("openmeteo", self.name, self.collector, now, now, self.local_tz)
        try:
            outcome.results.append(parser.parse_weather(json_payload(answer.raw), ctx))
        except PayloadError as exc:
            # the last good run stays in the lake; this one is kept verbatim with the reason
            outcome.dead_letters.append((parser.WEATHER, str(exc), answer.raw))
            outcome.errors.append(OpenMeteoError(f"HTTP {answer.status}: {exc}", raw=answer.raw, transient=False))
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, OpenMeteoError) and exc.transient

    async def aclose(self) -> None:
        await self._http.aclose()
