"""The Open-Meteo collector against the simulated service over real HTTP: every run kept, truth for the past hours,
the error body is a dead letter that keeps the last good data, and the free tier is respected by configuration."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from pydantic import ValidationError

from homelake.sim.model.site import build_site
from homelake.sources.openmeteo.config import OpenMeteoFamily
from homelake.sources.openmeteo.simulator.payloads import truth
from homelake.sources.openmeteo.simulator.server import OpenMeteoSimServer
from homelake.sources.openmeteo.target import OpenMeteoTarget
from homelake.testing.clock import ManualClock

pytestmark = pytest.mark.integration
SITE = build_site(7)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(SITE.start + timedelta(hours=10, minutes=20))


@pytest.fixture
def server(clock: ManualClock) -> Iterator[OpenMeteoSimServer]:
    sim = OpenMeteoSimServer(SITE.seed, clock=clock).start()
    yield sim
    sim.stop()


def config(server: OpenMeteoSimServer, **extra: object) -> OpenMeteoFamily:
    return OpenMeteoFamily.model_validate({
        "latitude": SITE.latitude, "longitude": SITE.longitude, "timezone": SITE.timezone,
        "forecast_url": server.url, "forecast_days": 2, "past_days": 1, **extra,
    })  # fmt: skip


def test_a_poll_keeps_the_run_with_the_models_values(server: OpenMeteoSimServer, clock: ManualClock) -> None:
    async def run() -> None:
        target = OpenMeteoTarget(config(server), local_tz=UTC, timeout_s=5, clock=clock)
        try:
            outcome = await target.poll()
            assert outcome.errors == [] and outcome.dead_letters == []
            rows = outcome.results[0].rows
            hourly = [r for r in rows if r["granularity"] == "hourly"]
            assert len(hourly) == 24 * 3 and {r["issued_at"] for r in rows} == {clock.t}
            past = next(r for r in hourly if r["time"] == clock.t.replace(minute=0) - timedelta(hours=2))
            actual = truth(SITE.seed, past["time"], SITE.latitude, SITE.longitude)
            assert past["temperature_2m"] == actual["temperature_2m"]  # the past is not forecast
            assert past["global_tilted_irradiance"] == actual["global_tilted_irradiance"]
            assert [r["granularity"] for r in rows].count("current") == 1
            assert [r["granularity"] for r in rows].count("daily") == 3
            clock.t += timedelta(hours=1)
            again = await target.poll()
            assert {r["issued_at"] for r in again.results[0].rows} == {clock.t}  # a second run, kept beside
            assert server.requests == 2
        finally:
            await target.aclose()

    asyncio.run(run())


def test_an_error_answer_is_a_dead_letter_with_the_reason(server: OpenMeteoSimServer, clock: ManualClock) -> None:
    async def run() -> None:
        bad = config(server, hourly=("temperature_2m", "sunshine_colour"))
        target = OpenMeteoTarget(bad, local_tz=UTC, timeout_s=5, clock=clock)
        try:
            outcome = await target.poll()
            assert outcome.results == []
            ((dataset, reason, raw),) = outcome.dead_letters
            assert dataset == "openmeteo/weather" and b'"error":true' in raw
            assert "invalid String value sunshine_colour" in reason
            assert not target.is_transient(outcome.errors[0])
        finally:
            await target.aclose()

    asyncio.run(run())


def test_polling_faster_than_the_free_tier_allows_is_refused() -> None:
    with pytest.raises(ValidationError, match="would ask open-meteo.com too often; use 900 or more"):
        OpenMeteoFamily(latitude=52.5, longitude=13.4, interval_s=5)
    local = OpenMeteoFamily(latitude=52.5, longitude=13.4, interval_s=5, forecast_url="http://127.0.0.1:8080")
    assert local.interval_s == 5  # a simulator or a self-hosted instance is not the free tier
