"""The openmeteo family's lake datasets: every forecast run kept, one row per time step, Open-Meteo's own names."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, Dataset, F, I, S, column

# Variables kept, each under its Open-Meteo name (hourly/current and daily aggregates); one column each.
VARIABLES: tuple[str, ...] = (
    "temperature_2m", "relative_humidity_2m", "dew_point_2m", "apparent_temperature",
    "precipitation", "rain", "snowfall", "cloud_cover", "pressure_msl",
    "shortwave_radiation", "direct_radiation", "diffuse_radiation", "direct_normal_irradiance",
    "global_tilted_irradiance", "wind_speed_10m", "wind_direction_10m", "wind_gusts_10m", "weather_code", "is_day",
    "temperature_2m_max", "temperature_2m_min", "precipitation_sum", "shortwave_radiation_sum",
)  # fmt: skip

OPENMETEO_WEATHER = Dataset(
    "openmeteo",
    "weather",
    (
        column("granularity", S, False),  # current | hourly | daily
        column("time", UTC_TS, False),  # start of the step, UTC
        column("issued_at", UTC_TS, False),  # when this run was fetched: every run is kept, to score forecasts
        column("api", S),  # forecast | archive: which Open-Meteo API answered (null in files from before the column)
        column("interval_s", I),  # current: Open-Meteo's `interval`; hourly 3600; daily 86400
        column("latitude", F),
        column("longitude", F),
        column("elevation", F),
        column("timezone", S),
        column("utc_offset_seconds", I),
        *(column(name, F) for name in VARIABLES),
    ),
    "Open-Meteo forecast and archive answers: one row per time step and granularity per fetch (null kept as null).",
)

DATASETS: tuple[Dataset, ...] = (OPENMETEO_WEATHER,)
