"""Shared fixtures for the HikVision tests: a parse context in a DST zone and the recorded payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.base import ParseContext

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hikvision"
OBSERVED_AT = datetime(2026, 12, 7, 14, 0, 30, tzinfo=UTC)


def make_ctx(device_id: str = "front-door") -> ParseContext:
    return ParseContext(
        family="hikvision",
        device_id=device_id,
        collector="test",
        observed_at=OBSERVED_AT,
        received_at=OBSERVED_AT,
        local_tz=ZoneInfo("Europe/Berlin"),
    )


@pytest.fixture
def ctx() -> ParseContext:
    return make_ctx()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def site() -> object:
    from homelake.sim.model.site import build_site

    return build_site(seed=7, start=datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
