"""Pure parser: an Open-Meteo forecast or archive answer (JSON) -> openmeteo/weather rows, one per time step."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.openmeteo.datasets import OPENMETEO_WEATHER, VARIABLES

WEATHER = OPENMETEO_WEATHER.key
APIS = ("forecast", "archive")  # the `api` column: /v1/forecast or the historical /v1/archive
# granularity -> (its block in the answer, the step length when the block does not say)
BLOCKS: dict[str, tuple[str, int]] = {
    "current": ("current", 900),
    "hourly": ("hourly", 3600),
    "daily": ("daily", 86400),
}


def _utc(value: object, offset_s: int, block: str) -> datetime:
    """Open-Meteo time -> aware UTC: unixtime seconds, or local ISO text without offset (minus utc_offset_seconds)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise PayloadError(f"{block}: time {value!r} is neither ISO 8601 text nor unixtime")
    try:
        local = datetime.fromisoformat(value) if "T" in value else datetime.combine(date.fromisoformat(value), time())
    except ValueError:
        raise PayloadError(f"{block}: time {value!r} is not ISO 8601") from None
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return (local - timedelta(seconds=offset_s)).replace(tzinfo=UTC)


def _number(value: object, name: str) -> float | None:
    if value is None:
        return None  # past the model's horizon: kept as null, never 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{name}: {value!r} is not a number")
    return float(value) + 0.0  # -0 becomes 0.0


def _head(data: dict[str, Any], ctx: ParseContext, api: str) -> dict[str, Any]:
    offset = data.get("utc_offset_seconds") or 0
    if not isinstance(offset, int):
        raise PayloadError(f"utc_offset_seconds {offset!r} is not a whole number")
    return ctx.origin() | {
        "issued_at": ctx.observed_at, "api": api, "latitude": _number(data.get("latitude"), "latitude"),
        "longitude": _number(data.get("longitude"), "longitude"),
        "elevation": _number(data.get("elevation"), "elevation"),
        "timezone": data.get("timezone"), "utc_offset_seconds": offset,
    }  # fmt: skip


def _block_rows(data: dict[str, Any], granularity: str, head: dict[str, Any]) -> list[dict[str, Any]]:
    key, default_step = BLOCKS[granularity]
    block = data.get(key)
    if block is None:
        return []
    if not isinstance(block, dict) or "time" not in block:
        raise PayloadError(f"{key}: expected an object with `time`, got {type(block).__name__}")
    offset = head["utc_offset_seconds"]
    if granularity == "current":  # one instant: scalars
        step = block.get("interval", default_step)
        values = {name: _number(block.get(name), f"current.{name}") for name in VARIABLES}
        return [
            head | {"granularity": granularity, "time": _utc(block["time"], offset, key), "interval_s": step} | values
        ]
    times = block["time"]
    if not isinstance(times, list):
        raise PayloadError(f"{key}.time: expected a list")
    series_by_name: dict[str, list[object]] = {}
    for name in VARIABLES:
        if name not in block:
            continue
        series = block[name]
        if not isinstance(series, list) or len(series) != len(times):
            raise PayloadError(f"{key}.{name}: expected {len(times)} values beside `time`")
        series_by_name[name] = series
    rows = []
    for index, stamp in enumerate(times):
        values = {name: _number(series[index], f"{key}.{name}") for name, series in series_by_name.items()}
        row = head | {"granularity": granularity, "time": _utc(stamp, offset, key), "interval_s": default_step}
        rows.append(row | dict.fromkeys(VARIABLES) | values)
    return rows


def parse_weather(data: object, ctx: ParseContext, api: str = "forecast") -> ParseResult:
    """A forecast/archive answer (or a list of them, one per location); the error body is a PayloadError.
    `api` says which API answered (kept in each row: an archive answer looks like a forecast without `current`)."""
    if api not in APIS:
        raise ValueError(f"api must be one of {', '.join(APIS)}, not {api!r}")
    answers = data if isinstance(data, list) else [data]
    result = ParseResult(WEATHER)
    for answer in answers:
        if not isinstance(answer, dict):
            raise PayloadError(f"expected an Open-Meteo answer (a JSON object), got {type(answer).__name__}")
        if answer.get("error"):
            raise PayloadError(f"Open-Meteo refused the request: {answer.get('reason') or 'no reason given'}")
        if not any(key in answer for key, _ in BLOCKS.values()):
            raise PayloadError("not an Open-Meteo answer: none of current, hourly or daily is present")
        head = _head(answer, ctx, api)
        for granularity in BLOCKS:
            result.rows.extend(_block_rows(answer, granularity, head))
    return result
