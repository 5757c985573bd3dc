"""Shared fixtures for the MikroTik tests: a parse context in a DST zone and the recorded payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.base import ParseContext

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mikrotik"
OBSERVED_AT = datetime(2024, 12, 5, 10, 0, 0, tzinfo=UTC)
RECEIVED_AT = datetime(2024, 12, 5, 10, 0, 1, tzinfo=UTC)


def make_ctx(device_id: str = "fw-core") -> ParseContext:
    return ParseContext(
        family="mikrotik",
        device_id=device_id,
        collector="test",
        observed_at=OBSERVED_AT,
        received_at=RECEIVED_AT,
        local_tz=ZoneInfo("Europe/Berlin"),
    )


@pytest.fixture
def ctx() -> ParseContext:
    return make_ctx()


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def load() -> Callable[[str], Any]:
    return lambda name: json.loads((FIXTURES / name).read_bytes())
