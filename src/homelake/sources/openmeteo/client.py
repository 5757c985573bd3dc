"""I/O only: ask Open-Meteo's forecast (or archive) API for the site; raw bytes back, or a typed error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import httpx

from homelake.sources.http import FetchFailure, fetch
from homelake.sources.openmeteo.config import OpenMeteoFamily


class OpenMeteoError(Exception):
    """An Open-Meteo request failed: `open-meteo <what>: <detail>`; `raw` keeps any body for the dead letter."""

    def __init__(self, detail: str, *, raw: bytes = b"", transient: bool = True) -> None:
        super().__init__(f"open-meteo: {detail}")
        self.raw, self.transient = raw, transient


@dataclass(frozen=True)
class Answer:
    status: int
    raw: bytes


class RateLimited(OpenMeteoError):
    """HTTP 429: the free tier's limit is reached; ask again at `retry_at` (from `Retry-After`) at the earliest."""

    def __init__(self, detail: str, *, raw: bytes, retry_after_s: float | None, retry_at: datetime | None) -> None:
        super().__init__(detail, raw=raw, transient=False)  # waiting, not retrying at once, is what helps
        self.retry_after_s, self.retry_at = retry_after_s, retry_at


def forecast_params(config: OpenMeteoFamily) -> dict[str, str]:
    return {
        "latitude": str(config.latitude), "longitude": str(config.longitude), "timezone": config.timezone,
        "timeformat": "unixtime", "forecast_days": str(config.forecast_days), "past_days": str(config.past_days),
        "hourly": ",".join(config.hourly), "current": ",".join(config.current), "daily": ",".join(config.daily),
        "tilt": str(config.tilt), "azimuth": str(config.azimuth),
    }  # fmt: skip


async def get_forecast(http: httpx.AsyncClient, config: OpenMeteoFamily) -> Answer:
    """GET /v1/forecast; a 400 comes back as an Answer (its body says why), transport failures raise."""
    url = httpx.URL(config.forecast_url.rstrip("/") + "/v1/forecast", params=forecast_params(config))
    try:
        status, raw = await fetch(http, str(url))
    except FetchFailure as failure:
        raise OpenMeteoError(f"GET /v1/forecast: {failure.detail}", raw=failure.raw) from None
    if status >= 500:  # noqa: PLR2004 - HTTP server errors are worth retrying
        raise OpenMeteoError(f"GET /v1/forecast: HTTP {status}", raw=raw)
    return Answer(status, raw)


def archive_params(config: OpenMeteoFamily, start: date, end: date) -> dict[str, str]:
    """The historical API's query: `start_date`/`end_date` are inclusive days in `timezone`; hourly steps only."""
    return {
        "latitude": str(config.latitude), "longitude": str(config.longitude), "timezone": config.timezone,
        "timeformat": "unixtime", "start_date": start.isoformat(), "end_date": end.isoformat(),
        "hourly": ",".join(config.hourly), "tilt": str(config.tilt), "azimuth": str(config.azimuth),
    }  # fmt: skip


def call_weight(variables: int, days: int) -> float:
    """What one request counts as against the free tier: more than 10 variables or more than 14 days counts as
    more than one call, and the two multiply (15 variables over 28 days = 3 calls)."""
    return max(1.0, variables / 10) * max(1.0, days / 14)


def retry_after(value: str | None) -> tuple[float | None, datetime | None]:
    """`Retry-After` as (seconds, None) or (None, an HTTP date); (None, None) when absent or unreadable."""
    if not value:
        return None, None
    text = value.strip()
    if text.isdigit():
        return float(text), None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None, None
    return None, when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # an HTTP date is GMT


async def get_archive(http: httpx.AsyncClient, config: OpenMeteoFamily, start: date, end: date) -> Answer:
    """GET /v1/archive for the days [start, end]; a 400 comes back as an Answer (its body says why), a 429 raises
    RateLimited with its `Retry-After`, other failures raise OpenMeteoError."""
    url = httpx.URL(config.archive_url.rstrip("/") + "/v1/archive", params=archive_params(config, start, end))
    what = f"GET /v1/archive {start}..{end}"
    try:
        response = await http.get(url)
    except httpx.TimeoutException as exc:
        raise OpenMeteoError(f"{what}: timed out ({exc.__class__.__name__})") from None
    except httpx.TransportError as exc:
        raise OpenMeteoError(f"{what}: cannot connect to {url.scheme}://{url.host}:{url.port} ({exc})") from None
    if response.status_code == 429:  # noqa: PLR2004 - Too Many Requests
        seconds, at = retry_after(response.headers.get("Retry-After"))
        raise RateLimited(f"{what}: HTTP 429, the free tier's limit is reached", raw=response.content,
                          retry_after_s=seconds, retry_at=at)  # fmt: skip
    if response.status_code >= 500:  # noqa: PLR2004 - HTTP server errors are worth retrying
        raise OpenMeteoError(f"{what}: HTTP {response.status_code}", raw=response.content)
    return Answer(response.status_code, response.content)
