"""Simulated Open-Meteo for the site: one server answering forecast and archive requests from the weather model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelake.sources.base import SimContext
from homelake.sources.openmeteo.simulator.server import OpenMeteoSimServer


class OpenMeteoSimulator:
    def __init__(self, ctx: SimContext) -> None:
        self.site = ctx.site
        self.server = OpenMeteoSimServer(ctx.site.seed, host=ctx.host, clock=ctx.clock)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        url = f"{self.server.url}/v1/forecast?latitude={self.site.latitude}&longitude={self.site.longitude}"
        return [{"name": "open-meteo", "kind": "Open-Meteo forecast + archive (no key)", "url": url, "login": "-"}]

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `openmeteo:` section: the site's coordinates, both APIs at the simulator."""
        return {
            "latitude": self.site.latitude, "longitude": self.site.longitude, "timezone": self.site.timezone,
            "forecast_url": self.server.url, "archive_url": self.server.url,
        }  # fmt: skip


__all__ = ["OpenMeteoSimServer", "OpenMeteoSimulator"]
