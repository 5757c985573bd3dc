"""A simulated Open-Meteo: /v1/forecast and /v1/archive on loopback, answered from the site's weather model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homelake.sim.servers.faults import GENERIC_FAULTS
from homelake.sim.servers.httpsim import Reply, SimHTTPServer
from homelake.sources.openmeteo.simulator.payloads import OpenMeteoError, render


class OpenMeteoSimServer(SimHTTPServer):
    """No key, like the real service; `requests` counts calls (the free tier allows well under 10,000 a day)."""

    api_prefix = "/v1"
    # refused: HTTP 400 with Open-Meteo's error body; rate_limited: HTTP 429 with `Retry-After` (RETRY_AFTER_S)
    fault_kinds = GENERIC_FAULTS | {"refused": None, "rate_limited": None}
    RETRY_AFTER_S = 60

    def __init__(self, seed: int, *, host: str = "127.0.0.1", clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(host=host, clock=clock)
        self.seed = seed
        self.requests = 0
        self.archive_requests: list[tuple[str, str]] = []  # (start_date, end_date) of each /v1/archive request

    def _authorized(self, header: str | None) -> bool:
        return True  # Open-Meteo's free API takes no credentials

    def error_body(self, status: int, message: str) -> Any:  # noqa: ANN401 - a JSON body, as the base class says
        return {"error": True, "reason": message}

    def extra_headers(self, status: int) -> dict[str, str]:
        return {"Retry-After": str(self.RETRY_AFTER_S)} if status == 429 else {}  # noqa: PLR2004 - Too Many Requests

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, fault: str | None) -> Reply:
        self.requests += 1
        if method != "GET" or path not in ("/forecast", "/archive"):
            return 404, self.error_body(404, "Not Found")
        if path == "/archive":
            params = dict(query)
            self.archive_requests.append((params.get("start_date", ""), params.get("end_date", "")))
        if fault == "refused":
            return 400, self.error_body(400, "Parameter 'start_date' is out of allowed range")
        if fault == "rate_limited":
            return 429, self.error_body(429, "Minutely API request limit exceeded. Please try again in one minute.")
        try:
            return 200, render(dict(query), self.clock(), self.seed, archive=path == "/archive")
        except (OpenMeteoError, KeyError) as exc:
            return 400, self.error_body(400, str(exc).strip("'"))
