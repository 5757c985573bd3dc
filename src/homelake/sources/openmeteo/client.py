"""I/O only: ask Open-Meteo's forecast (or archive) API for the site; raw bytes back, or a typed error."""

from __future__ import annotations

from dataclasses import dataclass

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
