"""Open-Meteo answers from the site's weather model (pure): the real JSON shape, forecast error by lead time."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homelake.sim.model import noise, weather

MAX_LATITUDE = 90.0
OVERCAST, CLOUDY = 0.6, 0.45  # cloud fractions for WMO codes 3 and 2
WIND_PERIOD_S = 6 * 3600.0
HORIZON_H = 10 * 24  # the model's horizon: later steps are null, as Open-Meteo's are past its models' reach
ARCHIVE_DELAY = timedelta(days=2)  # the archive's newest data (best match, with ECMWF IFS): later hours are null
UNITS = {
    "temperature_2m": "°C", "relative_humidity_2m": "%", "dew_point_2m": "°C", "precipitation": "mm",
    "cloud_cover": "%", "shortwave_radiation": "W/m²", "direct_radiation": "W/m²", "diffuse_radiation": "W/m²",
    "global_tilted_irradiance": "W/m²", "wind_speed_10m": "km/h", "weather_code": "wmo code", "is_day": "",
    "temperature_2m_max": "°C", "temperature_2m_min": "°C", "shortwave_radiation_sum": "MJ/m²",
}  # fmt: skip
DAILY = ("temperature_2m_max", "temperature_2m_min", "shortwave_radiation_sum")


class OpenMeteoError(ValueError):
    """A request Open-Meteo refuses with HTTP 400 and `{"error": true, "reason": ...}`."""


def _dew_point(temp_c: float, rh: float) -> float:
    gamma = math.log(max(rh, 1.0) / 100) + 17.62 * temp_c / (243.12 + temp_c)
    return 243.12 * gamma / (17.62 - gamma)


def truth(seed: int, t: datetime, latitude: float, longitude: float) -> dict[str, float]:
    """What really happens at t (the archive's answer): every hourly variable."""
    out = weather.outdoor(seed, t, latitude, longitude)
    # radiation is Open-Meteo's mean over the preceding hour (four samples of it)
    skies = [weather.irradiance(seed, t - timedelta(minutes=m), latitude, longitude) for m in (7.5, 22.5, 37.5, 52.5)]
    cloud = weather.cloud_fraction(seed, t)
    snowing = weather.snow_cover(seed, t) > 0  # a scenario's snowy week: light snow all week (WMO 71)
    return {
        "temperature_2m": out.temperature_c, "relative_humidity_2m": out.humidity_pct,
        "dew_point_2m": round(_dew_point(out.temperature_c, out.humidity_pct), 1),
        "precipitation": 0.3 if snowing else 0.0,
        "cloud_cover": round(100 * cloud),
        "wind_speed_10m": round(8 + 6 * weather.smooth(seed, "wind", t.timestamp(), WIND_PERIOD_S), 1),
        "shortwave_radiation": round(sum(s.shortwave_radiation for s in skies) / 4, 1),
        "direct_radiation": round(sum(s.direct_radiation for s in skies) / 4, 1),
        "diffuse_radiation": round(sum(s.diffuse_radiation for s in skies) / 4, 1),
        "global_tilted_irradiance": round(sum(s.global_tilted_irradiance for s in skies) / 4, 1),
        "weather_code": 71 if snowing else 3 if cloud > OVERCAST else 2 if cloud > CLOUDY else 1,
        "is_day": 1 if weather.sun_elevation_factor(t.timestamp(), latitude, longitude) > 0 else 0,
    }  # fmt: skip


def forecast_value(seed: int, name: str, actual: float, issued: datetime, t: datetime) -> float:
    """The forecast of `actual` issued at `issued`: an error that grows with the lead time (none for the past)."""
    lead_h = max(0.0, (t - issued).total_seconds() / 3600)
    if lead_h == 0 or name in ("is_day", "weather_code"):
        return actual
    error = noise.uniform(-1, 1, seed, "forecast", name, int(issued.timestamp() // 3600), int(t.timestamp() // 3600))
    if name.endswith(("radiation", "irradiance")):
        return round(max(0.0, actual * (1 + 0.04 * math.sqrt(lead_h) * error)), 1)
    return round(actual + 0.15 * math.sqrt(lead_h) * error, 1)


def _fmt(t: datetime, offset_s: int, unixtime: bool, daily: bool = False) -> int | str:
    if unixtime:
        return int(t.timestamp())
    local = (t + timedelta(seconds=offset_s)).replace(tzinfo=None)
    return local.strftime("%Y-%m-%d" if daily else "%Y-%m-%dT%H:%M")


def _vars(query: dict[str, str], key: str, known: tuple[str, ...] | dict[str, str]) -> list[str]:
    names = [n for n in query.get(key, "").split(",") if n]
    for name in names:
        if name not in known:
            raise OpenMeteoError(f"Cannot initialize WeatherVariable from invalid String value {name} for key {key}")
    return names


def _daily(seed: int, names: list[str], starts: list[datetime], where: tuple[float, float]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    temps = [[truth(seed, d + timedelta(hours=h), *where)["temperature_2m"] for h in range(0, 24, 3)] for d in starts]
    if "temperature_2m_max" in names:
        out["temperature_2m_max"] = [max(day) for day in temps]
    if "temperature_2m_min" in names:
        out["temperature_2m_min"] = [min(day) for day in temps]
    if "shortwave_radiation_sum" in names:  # MJ/m2: hourly mean W/m2 x 3600 s
        out["shortwave_radiation_sum"] = [
            round(
                sum(truth(seed, d + timedelta(hours=h + 1), *where)["shortwave_radiation"] for h in range(24)) * 0.0036,
                2,
            )
            for d in starts
        ]
    return out


def _window(query: dict[str, str], now: datetime, offset: int, archive: bool) -> tuple[datetime, int]:
    """(first step in UTC, number of days) the answer covers."""
    if archive:
        first = datetime.fromisoformat(query["start_date"]).replace(tzinfo=UTC)
        days = (datetime.fromisoformat(query["end_date"]).replace(tzinfo=UTC) - first).days + 1
    else:
        local_midnight = (now + timedelta(seconds=offset)).replace(hour=0, minute=0, second=0, microsecond=0)
        first = local_midnight - timedelta(days=int(query.get("past_days", 0)))
        days = int(query.get("forecast_days", 7)) + int(query.get("past_days", 0))
    return first - timedelta(seconds=offset), days


def render(query: dict[str, str], now: datetime, seed: int, archive: bool = False) -> dict[str, Any]:
    """The answer to /v1/forecast (or /v1/archive with start_date/end_date) at `now`."""
    try:
        where = (float(query["latitude"]), float(query["longitude"]))
    except (KeyError, ValueError):
        raise OpenMeteoError("Parameter 'latitude' and 'longitude' must be set as floating point numbers") from None
    if not -MAX_LATITUDE <= where[0] <= MAX_LATITUDE:
        raise OpenMeteoError(f"Latitude must be in range of -90 to 90°. Given: {where[0]}.")
    name = query.get("timezone", "GMT")
    try:
        zone = ZoneInfo("UTC" if name in ("GMT", "auto") else name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OpenMeteoError(f"Invalid timezone {name}") from None
    offset = int((now.astimezone(zone).utcoffset() or timedelta()).total_seconds())
    unixtime = query.get("timeformat") == "unixtime"
    time_unit = {"time": "unixtime" if unixtime else "iso8601"}
    hourly, current, daily = _vars(query, "hourly", UNITS), _vars(query, "current", UNITS), _vars(query, "daily", DAILY)
    start, days = _window(query, now, offset, archive)
    # the archive is what happened (no lead time); a forecast run is issued at the top of the hour
    issued = start + timedelta(days=days) if archive else now.replace(minute=0, second=0, microsecond=0)
    answer: dict[str, Any] = {
        "latitude": round(where[0], 2), "longitude": round(where[1], 2), "generationtime_ms": 0.05,
        "utc_offset_seconds": offset, "timezone": "GMT" if name == "auto" else name,
        "timezone_abbreviation": now.astimezone(zone).tzname(), "elevation": 38.0,
    }  # fmt: skip
    if hourly:
        times = [start + timedelta(hours=h) for h in range(24 * days)]
        horizon = now - ARCHIVE_DELAY if archive else now + timedelta(hours=HORIZON_H)
        actual = {t: truth(seed, t, *where) for t in times if t <= horizon}
        answer["hourly_units"] = time_unit | {v: UNITS[v] for v in hourly}
        answer["hourly"] = {"time": [_fmt(t, offset, unixtime) for t in times]} | {
            v: [forecast_value(seed, v, actual[t][v], issued, t) if t in actual else None for t in times]
            for v in hourly
        }
    if current and not archive:
        at = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
        actual_now = truth(seed, at, *where)
        answer["current_units"] = time_unit | {"interval": "seconds"} | {v: UNITS[v] for v in current}
        answer["current"] = {"time": _fmt(at, offset, unixtime), "interval": 900} | {v: actual_now[v] for v in current}
    if daily:
        starts = [start + timedelta(days=d) for d in range(days)]
        answer["daily_units"] = time_unit | {v: UNITS[v] for v in daily}
        answer["daily"] = {"time": [_fmt(d, offset, unixtime, daily=True) for d in starts]}
        answer["daily"] |= _daily(seed, daily, starts, where)
    return answer
