"""Configuration of the Open-Meteo weather source: where the site is, the PV array's plane, how often to ask."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OpenMeteoFamily(BaseModel):
    """`openmeteo:` in the site file. No key. `interval_s` of 900 or more keeps far under the free tier's
    10,000 calls a day (96 a day at 900 s); `tilt`/`azimuth` are the PV array's (0 = south, Open-Meteo's convention)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("home", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    timezone: str = "GMT"
    tilt: float = Field(35.0, ge=0, le=90)
    azimuth: float = Field(0.0, ge=-180, le=180)
    forecast_days: int = Field(7, ge=1, le=16)
    past_days: int = Field(1, ge=0, le=92)
    forecast_url: str = "https://api.open-meteo.com"
    archive_url: str = "https://archive-api.open-meteo.com"
    interval_s: float = Field(3600.0, ge=900)
    timeout_s: float | None = Field(None, gt=0)
    hourly: tuple[str, ...] = (
        "temperature_2m", "relative_humidity_2m", "dew_point_2m", "precipitation", "cloud_cover",
        "shortwave_radiation", "direct_radiation", "diffuse_radiation", "global_tilted_irradiance",
        "wind_speed_10m", "weather_code",
    )  # fmt: skip
    current: tuple[str, ...] = ("temperature_2m", "relative_humidity_2m", "weather_code", "cloud_cover")
    daily: tuple[str, ...] = ("temperature_2m_max", "temperature_2m_min", "shortwave_radiation_sum")
