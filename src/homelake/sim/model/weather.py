"""Deterministic outdoor weather at the site: seasonal + diurnal + smooth noise, and daylight by time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from homelake.sim.model import noise
from homelake.sim.model.scenarios import week_kind

DAY_S = 86400.0
YEAR_DAYS = 365.25
FRONT_S = 2 * DAY_S  # weather fronts: knots of a slow random walk
GUST_S = 6 * 3600.0  # shorter wiggles on top


@dataclass(frozen=True)
class Weather:
    """Outdoor conditions at one instant."""

    temperature_c: float
    humidity_pct: float
    lux: float


def _epoch(t: datetime | float) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError("weather needs an aware datetime")
        return t.timestamp()
    return float(t)


def smooth(seed: int, tag: str, t: float, period: float) -> float:
    """Cosine-interpolated value noise in [-1, 1] with knots every `period` seconds."""
    k = math.floor(t / period)
    a = noise.uniform(-1, 1, seed, "weather", tag, k)
    b = noise.uniform(-1, 1, seed, "weather", tag, k + 1)
    w = (1 - math.cos(math.pi * (t / period - k))) / 2
    return a + (b - a) * w


def _day_of_year(t: float) -> float:
    return ((t / DAY_S) - 10957.0) % YEAR_DAYS  # days since 1 January (2000 epoch offset, close enough)


def solar_hour(t: float, longitude: float) -> float:
    """Local solar time in hours (0-24)."""
    return ((t % DAY_S) / 3600.0 + longitude / 15.0) % 24.0


def day_length_h(t: float, latitude: float) -> float:
    """Hours of daylight on the day of t at `latitude` (simple declination model)."""
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + _day_of_year(t)) / 365.0)
    x = -math.tan(math.radians(latitude)) * math.tan(declination)
    return 2 * math.degrees(math.acos(max(-1.0, min(1.0, x)))) / 15.0


def sun_elevation_factor(t: float, latitude: float, longitude: float) -> float:
    """0 at night, rising to 1 at solar noon (a smooth proxy for sunlight)."""
    half = day_length_h(t, latitude) / 2
    offset = abs(solar_hour(t, longitude) - 12.0)
    return max(0.0, math.cos(math.pi / 2 * offset / half)) if offset < half else 0.0


def is_dark(t: float, latitude: float, longitude: float, margin_h: float = 0.5) -> bool:
    """True from `margin_h` before sunset to `margin_h` after sunrise (people switch lights on)."""
    half = day_length_h(t, latitude) / 2 - margin_h
    return abs(solar_hour(t, longitude) - 12.0) >= half


def cloud_fraction(seed: int, t: datetime | float) -> float:
    """Share of the sky covered (0-1); the lux and the irradiance both follow it. A scenario's sunny week is
    nearly clear, its cloudy and snowy weeks overcast."""
    ts = _epoch(t)
    wiggle = (smooth(seed, "cloud", ts, GUST_S) + 1) / 2
    kind = week_kind(seed, ts)
    if kind == "sunny":
        return 0.03 + 0.12 * wiggle
    if kind in ("cloudy", "snowy"):
        return 0.82 + 0.13 * wiggle
    return 0.35 + 0.3 * wiggle


def snow_cover(seed: int, t: datetime | float) -> float:
    """Share of the PV array under snow (0-1): all of it through a scenario's snowy week, none otherwise."""
    return 0.9 if week_kind(seed, _epoch(t)) == "snowy" else 0.0


@dataclass(frozen=True)
class Irradiance:
    """Solar irradiance at one instant, W/m2, under Open-Meteo's names' meanings."""

    shortwave_radiation: float  # global horizontal
    direct_radiation: float
    diffuse_radiation: float
    global_tilted_irradiance: float  # on the PV array's plane
    cloud_cover_pct: float


def irradiance(
    seed: int, t: datetime | float, latitude: float = 52.52, longitude: float = 13.405, tilt_gain: float = 1.15
) -> Irradiance:
    """Clear-sky peak scaled by the season's noon elevation and the sun's height, dimmed by the same clouds as
    the lux; the tilted plane gets `tilt_gain` times the direct part (a south-facing array, simply)."""
    ts = _epoch(t)
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + _day_of_year(ts)) / 365.0)
    noon_sin = max(0.0, math.sin(math.pi / 2 - math.radians(latitude) + declination))
    cloud = cloud_fraction(seed, ts)
    clear = 1000.0 * noon_sin * sun_elevation_factor(ts, latitude, longitude)
    direct = clear * (1 - cloud) * 0.8
    diffuse = clear * (0.1 + 0.25 * cloud)
    return Irradiance(
        round(direct + diffuse, 2), round(direct, 2), round(diffuse, 2),
        round(direct * tilt_gain + diffuse, 2), round(100 * cloud, 1),
    )  # fmt: skip


def outdoor(seed: int, t: datetime | float, latitude: float = 52.52, longitude: float = 13.405) -> Weather:
    """Outdoor temperature (C), relative humidity (%) and illuminance (lux) at time t."""
    ts = _epoch(t)
    doy = _day_of_year(ts)
    seasonal = 10.0 - 9.5 * math.cos(2 * math.pi * (doy - 20) / YEAR_DAYS)
    swing = 4.0 + 1.5 * math.cos(2 * math.pi * (doy - 172) / YEAR_DAYS)
    diurnal = math.cos(2 * math.pi * (solar_hour(ts, longitude) - 15.0) / 24.0)
    front = 3.0 * smooth(seed, "front", ts, FRONT_S) + 1.2 * smooth(seed, "gust", ts, GUST_S)
    temperature = seasonal + swing * diurnal + front
    kind = week_kind(seed, ts)
    if kind == "snowy":  # a cold snap
        temperature -= 7.0
    elif kind == "sunny":  # clear winter skies: colder nights
        temperature -= 2.0 * max(0.0, -diurnal)
    humidity = 76.0 - 14.0 * diurnal + 8.0 * smooth(seed, "hum", ts, GUST_S) - 0.3 * front
    cloud = cloud_fraction(seed, ts)
    lux = 100000.0 * sun_elevation_factor(ts, latitude, longitude) * (1 - cloud)
    return Weather(round(temperature, 2), round(max(25.0, min(100.0, humidity)), 1), round(lux, 1))
