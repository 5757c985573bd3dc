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
    fault_kinds = GENERIC_FAULTS

    def __init__(self, seed: int, *, host: str = "127.0.0.1", clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(host=host, clock=clock)
        self.seed = seed
        self.requests = 0

    def _authorized(self, header: str | None) -> bool:
        return True  # Open-Meteo's free API takes no credentials

    def error_body(self, status: int, message: str) -> Any:  # noqa: ANN401 - a JSON body, as the base class says
        return {"error": True, "reason": message}

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, fault: str | None) -> Reply:
        self.requests += 1
        if method != "GET" or path not in ("/forecast", "/archive"):
            return 404, self.error_body(404, "Not Found")
        try:
            return 200, render(dict(query), self.clock(), self.seed, archive=path == "/archive")
        except (OpenMeteoError, KeyError) as exc:
            return 400, self.error_body(400, str(exc).strip("'"))
