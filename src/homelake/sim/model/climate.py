"""Indoor climate per room: setpoints, the outside, heating loads, showers and people (deterministic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homelake.sim.model import weather
from homelake.sim.model.loads import LoadModel, load_model
from homelake.sim.model.site import Site

HOUR = 3600.0
# room -> (device, channel index) of a heating load that warms it, its full-hour energy in J
HEATERS: dict[str, tuple[str, int, float]] = {
    "kids_room": ("shelly-pro4pm-utility", 3, 1500 * HOUR),
    "bathroom": ("shelly-pro4pm-utility", 1, 2000 * HOUR),
}
HEAT_PUMP = ("shelly-pro4pm-utility", 0, 2000 * HOUR)


@dataclass(frozen=True)
class Climate:
    temperature_c: float
    humidity_pct: float


def _fraction(model: LoadModel, heater: tuple[str, int, float], t: float) -> float:
    """How hard a heater ran over the last hour (0-1)."""
    return min(1.0, model.energy_j((heater[0], heater[1]), t - HOUR, t) / heater[2])


def indoor(site: Site, room: str, t: datetime | float) -> Climate:
    """Temperature (C) and relative humidity (%) in `room` at t."""
    ts = t.timestamp() if isinstance(t, datetime) else float(t)
    model = load_model(site)
    out = weather.outdoor(site.seed, ts, site.latitude, site.longitude)
    hour = datetime.fromtimestamp(ts, site.tz).hour
    temperature = (20.5 if 6 <= hour < 22 else 18.8) + 0.07 * (out.temperature_c - 5)
    temperature += 1.2 * (_fraction(model, HEAT_PUMP, ts) - 0.45)
    humidity = 42 + 0.25 * (out.humidity_pct - 70)
    if room in HEATERS:
        heat = _fraction(model, HEATERS[room], ts)
        temperature += 2.5 * heat if room == "kids_room" else 1.5 * heat
        humidity += 30 * heat if room == "bathroom" else 0
    if room in ("garage", "garden"):
        temperature = out.temperature_c + (4.0 if room == "garage" else 0.0)
        humidity = out.humidity_pct
    elif any(model.occupancy.room_of(name, ts) == room for name in ("anna", "jonas", "mia")):
        temperature += 0.4
        humidity += 3
    temperature += 0.4 * weather.smooth(site.seed, f"in-{room}", ts, 2 * HOUR)
    humidity -= 1.5 * (temperature - 20.5)
    return Climate(round(temperature, 2), round(min(95.0, max(22.0, humidity)), 1))
