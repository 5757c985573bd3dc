"""Configuration of the Open-Meteo weather source: where the site is, the PV array's plane, how often to ask."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

FREE_TIER_MIN_INTERVAL_S = 900.0  # 96 calls a day per location, far under the free tier's 10,000


class OpenMeteoFamily(BaseModel):
    """`openmeteo:` in the site file. No key. Against open-meteo.com `interval_s` must be 900 or more (far under the
    free tier's 10,000 calls a day); `tilt`/`azimuth` are the PV array's (0 = south, Open-Meteo's convention)."""

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
    interval_s: float = Field(3600.0, gt=0)
    # the archive backfill: days of the last `backfill_days` (site-local) without observed weather in the lake
    backfill_days: int = Field(30, ge=0, le=366)  # 0: no archive requests at all
    backfill_min_gap_h: int = Field(2, ge=1, le=24)  # a day is filled when it misses this many hours in a row
    archive_lag_days: int = Field(5, ge=0, le=30)  # the archive's delay (ERA5: 5 days); newer days wait
    archive_interval_s: float = Field(3600.0, gt=0)  # how often the lake is checked for gaps (no gap: no call)
    archive_daily_calls: float = Field(200.0, gt=0, le=5000)  # weighted calls a UTC day, far under 10,000
    archive_chunk_days: int = Field(14, ge=1, le=92)  # days per archive request (over 14 counts as more calls)
    timeout_s: float | None = Field(None, gt=0)
    hourly: tuple[str, ...] = (
        "temperature_2m", "relative_humidity_2m", "dew_point_2m", "precipitation", "cloud_cover",
        "shortwave_radiation", "direct_radiation", "diffuse_radiation", "global_tilted_irradiance",
        "wind_speed_10m", "weather_code",
    )  # fmt: skip
    current: tuple[str, ...] = ("temperature_2m", "relative_humidity_2m", "weather_code", "cloud_cover")
    daily: tuple[str, ...] = ("temperature_2m_max", "temperature_2m_min", "shortwave_radiation_sum")

    @model_validator(mode="after")
    def _free_tier(self) -> OpenMeteoFamily:
        public = "open-meteo.com" in self.forecast_url  # the API polled every interval
        if public and self.interval_s < FREE_TIER_MIN_INTERVAL_S:
            raise ValueError(
                f"interval_s {self.interval_s:g} would ask open-meteo.com too often; use 900 or more (free tier)"
            )
        return self
