"""The Open-Meteo parser on its answer shapes: local time without offset, unixtime, -0, null tails, the error body."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.openmeteo.datasets import OPENMETEO_WEATHER
from homelake.sources.openmeteo.parser import parse_weather

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2024, 6, 1, 12, 50, tzinfo=UTC)
CTX = ParseContext("openmeteo", "home", "test", FETCHED, FETCHED, UTC)


def rows(name: str) -> list[dict[str, object]]:
    result = parse_weather(orjson.loads((FIXTURES / name).read_bytes()), CTX)
    assert result.dataset == "openmeteo/weather" and result.rejects == []
    for row in result.rows:
        assert set(row) == set(OPENMETEO_WEATHER.schema.names)
    return result.rows


def test_local_times_become_utc_with_the_answers_offset() -> None:
    got = rows("forecast_v1_berlin_iso8601.json")
    assert [r["granularity"] for r in got] == ["current"] + ["hourly"] * 4 + ["daily"] * 2
    current = got[0]
    assert current["time"] == datetime(2024, 6, 1, 12, 45, tzinfo=UTC) and current["interval_s"] == 900
    assert current["temperature_2m"] == 21.4 and current["weather_code"] == 3.0 and current["precipitation"] is None
    assert [r["time"] for r in got[1:3]] == [
        datetime(2024, 5, 31, 22, tzinfo=UTC),
        datetime(2024, 5, 31, 23, tzinfo=UTC),
    ]
    assert got[5]["time"] == datetime(2024, 5, 31, 22, tzinfo=UTC) and got[5]["interval_s"] == 86400
    assert all(r["issued_at"] == FETCHED for r in got)


def test_minus_zero_is_zero_and_a_null_tail_stays_null() -> None:
    hourly = [r for r in rows("forecast_v1_berlin_iso8601.json") if r["granularity"] == "hourly"]
    assert [r["temperature_2m"] for r in hourly] == [14.2, 13.8, 0.0, None]
    assert str(hourly[2]["temperature_2m"]) == "0.0"  # not -0.0
    assert [r["global_tilted_irradiance"] for r in hourly] == [0.0, 0.0, 0.0, None]
    daily = [r for r in rows("forecast_v1_berlin_iso8601.json") if r["granularity"] == "daily"]
    assert [r["temperature_2m_max"] for r in daily] == [24.1, None]


def test_unixtime_is_utc_already() -> None:
    got = rows("forecast_v1_unixtime.json")
    assert [(r["time"], r["shortwave_radiation"]) for r in got] == [
        (datetime(2024, 6, 1, 0, tzinfo=UTC), 512.5), (datetime(2024, 6, 1, 1, tzinfo=UTC), 498.0),
    ]  # fmt: skip


def test_the_error_body_is_a_clear_error() -> None:
    data = orjson.loads((FIXTURES / "error_v1_400.json").read_bytes())
    with pytest.raises(PayloadError, match="Open-Meteo refused the request: Latitude must be in range"):
        parse_weather(data, CTX)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"foo": 1}, "none of current, hourly or daily"),
        ({"hourly": {"time": ["2024-06-01T00:00"], "temperature_2m": [1.0, 2.0]}}, "expected 1 values"),
        ({"hourly": {"time": ["yesterday"]}}, "not ISO 8601"),
        ({"hourly": {"time": ["2024-06-01T00:00"], "temperature_2m": ["warm"]}}, "is not a number"),
        ([1], "expected an Open-Meteo answer"),
    ],
)
def test_wrong_shapes_are_payload_errors(data: object, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_weather(data, CTX)
