"""Physical loads behind metered Shelly channels: each yields the on-intervals that START in one hour.

Power is in deci-watts (dW), so a 10 s grid cell's energy in joules equals its power value. An
interval (start, end, dW) adds to the load's standby power; intervals last less than an hour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from homelake.sim.model import noise

Interval = tuple[float, float, int]
SLOT = 300.0  # people-driven loads are decided per 5 minutes


class Env(Protocol):
    """What a load can look at: seed, zone, people, weather, darkness and the LAN."""

    @property
    def seed(self) -> int: ...

    @property
    def tz(self) -> tzinfo: ...

    def outdoor_c(self, t: float) -> float: ...
    def dark(self, t: float) -> bool: ...
    def home(self, name: str, t: float) -> bool: ...
    def anyone_home(self, t: float) -> bool: ...
    def online(self, client_id: str, t: float) -> bool: ...
    def movements(self, start: float, end: float) -> list[tuple[float, str, str]]: ...
    def node_power_w(self, plug: str, t: float) -> float: ...


Producer = Callable[[Env, str, int], list[Interval]]


@dataclass(frozen=True)
class Load:
    """A load type: standby power (dW), whether its relay is always on, power factor, producer."""

    standby: int
    always_on: bool
    pf: float
    produce: Producer


def _u(env: Env, lo: float, hi: float, *keys: object) -> float:
    return noise.uniform(lo, hi, env.seed, *keys)


def _slots(h: int) -> list[float]:
    return [h * 3600.0 + i * SLOT for i in range(12)]


def _local(env: Env, t: float) -> datetime:
    return datetime.fromtimestamp(t, env.tz)


def fridge(env: Env, key: str, h: int) -> list[Interval]:
    """Compressor cycles every 45 min; duty 20-55 % rising with the (garage) temperature; ~90 W."""
    found: list[Interval] = []
    period = 2700
    for c in range(-(-h * 3600 // period), (h * 3600 + 3600 - 1) // period + 1):
        start = float(c * period)
        if not h * 3600 <= start < h * 3600 + 3600:
            continue
        duty = min(0.55, max(0.2, 0.3 + 0.012 * (env.outdoor_c(start) - 8) + _u(env, -0.05, 0.05, key, c)))
        end = start + round(duty * period / 10) * 10
        found += [(start, end, round(_u(env, 850, 950, key, c, "p"))), (start, start + 10, 600)]
    return found


def heat_pump(env: Env, key: str, h: int) -> list[Interval]:
    """Modulating heat pump: runs part of each 20 min, longer and harder the colder it is outside."""
    found: list[Interval] = []
    hour = _local(env, h * 3600.0).hour
    demand = min(1.0, max(0.0, (16 - env.outdoor_c(h * 3600.0 + 1800)) / 22))
    if hour >= 22 or hour < 5:
        demand *= 0.7  # night setback
    for j in range(3):
        start = h * 3600.0 + j * 1200
        frac = min(1.0, max(0.0, demand + _u(env, -0.1, 0.1, key, h, j)))
        if frac < 0.08:
            continue
        run = round(frac * 120) * 10
        offset = round(_u(env, 0, 1200 - run, key, h, j, "o") / 10) * 10
        power = round(4000 + 16000 * demand + _u(env, -300, 300, key, h, j, "p"))
        found.append((start + offset, start + offset + run, power))
    return found


def water_heater(env: Env, key: str, h: int) -> list[Interval]:
    """2 kW element reheating after showers (mornings), dishes (evenings) and standing losses."""
    t = h * 3600.0
    hour = _local(env, t).hour
    people = [n for n in ("anna", "jonas", "mia", "guest") if env.home(n, t)]
    minutes = 4.0 if hour % 6 == 3 else 0.0
    for name in people:
        if hour in (6, 7) and noise.chance(0.7, env.seed, key, h, name):
            minutes += 7
        elif 18 <= hour <= 21 and noise.chance(0.25, env.seed, key, h, name):
            minutes += 5
    if minutes == 0:
        return []
    run = round(min(50.0, minutes) * 6) * 10
    offset = round(_u(env, 0, 3600 - run, key, h, "o") / 10) * 10
    return [(t + offset, t + offset + run, 20000)]


def irrigation_pump(env: Env, key: str, h: int) -> list[Interval]:
    """Garden pump: early mornings on most days, evenings when it is warm; ~650 W."""
    t = h * 3600.0
    local = _local(env, t)
    day = local.date()
    if local.hour == 6 and noise.chance(0.6, env.seed, key, day) and env.outdoor_c(t + 6 * 3600) > 3:
        start = t + round(_u(env, 2, 10, key, day, "s")) * 60
        return [(start, start + round(_u(env, 15, 25, key, day, "l")) * 60, round(_u(env, 6300, 6700, key, day)))]
    if local.hour == 20 and env.outdoor_c(t) > 10 and noise.chance(0.4, env.seed, key, day, "e"):
        return [(t + 300, t + 900, 6500)]
    return []


def space_heater(env: Env, key: str, h: int) -> list[Interval]:
    """1.5 kW heater in Mia's room, thermostat-cycled by the outside temperature while she is home."""
    t = h * 3600.0
    hour, temp = _local(env, t).hour, env.outdoor_c(t + 1800)
    if temp >= 10 or not (hour in (6, 7) or 14 <= hour <= 21):
        return []
    duty = min(0.9, max(0.2, (10 - temp) / 12))
    found: list[Interval] = []
    cells = round(duty * 90)
    for j in range(4):
        start = t + j * 900 + 10 * round(_u(env, 0, 90 - cells, key, h, j))
        run = cells * 10
        for s in range(int(start), int(start + run), int(SLOT)):  # only while Mia is at home
            if env.home("mia", s):
                found.append((s, min(s + SLOT, start + run), 15000))
    return found


def garage(env: Env, key: str, h: int) -> list[Interval]:
    """Door motor (350 W, 20 s) and light (40 W, 3 min) when Anna or Jonas drive in or out."""
    found: list[Interval] = []
    for t, name, _ in env.movements(h * 3600.0, h * 3600.0 + 3600):
        if name in ("anna", "jonas"):
            t = round(t / 10) * 10.0
            found += [(t, t + 20, 3500), (t, t + 180, 400)]
    return found


def hall_bursts(env: Env, key: str, h: int) -> list[tuple[float, float]]:
    """Hall light switched on and off by its button: short bursts while someone is home in the dark."""
    found = []
    for i, s in enumerate(_slots(h)[::2]):  # 10 minute slots
        if env.anyone_home(s) and env.dark(s) and _local(env, s).hour >= 6 and noise.chance(0.35, env.seed, key, h, i):
            start = s + 10 * round(_u(env, 0, 30, key, h, i, "o"))
            found.append((start, start + 10 * round(_u(env, 12, 36, key, h, i, "l"))))
    return found


def hall_light(env: Env, key: str, h: int) -> list[Interval]:
    found = [(s, e, 250) for s, e in hall_bursts(env, key, h)]
    for t, _, move in env.movements(h * 3600.0, h * 3600.0 + 3600):
        if move == "arrive" and env.dark(t):  # the motion automation, not the button
            t = round(t / 10) * 10.0
            found.append((t, t + 180, 250))
    return found


def _slot_load(env: Env, h: int, on: Callable[[float], int]) -> list[Interval]:
    return [(s, s + SLOT, p) for s in _slots(h) if (p := on(s)) > 0]


def workstation(env: Env, key: str, h: int) -> list[Interval]:
    """Jonas' workstation on the desk plug: 120-220 W whenever the machine is on the LAN."""
    return _slot_load(env, h, lambda s: round(_u(env, 1200, 2200, key, s)) if env.online("workstation-jonas", s) else 0)


def _evening(env: Env, key: str, s: float) -> bool:
    local = _local(env, s)
    bed = 22.5 + _u(env, 0, 1.25, key, local.date())
    return local.hour + local.minute / 60 < bed and (local.hour >= 15 or (local.hour >= 6 and local.weekday() < 5))


def ceiling_lights(env: Env, key: str, h: int) -> list[Interval]:
    """Living room lights: dark, someone home, before bedtime; 60 W."""
    return _slot_load(env, h, lambda s: 600 if env.dark(s) and env.anyone_home(s) and _evening(env, key, s) else 0)


def tv(env: Env, key: str, h: int) -> list[Interval]:
    """TV sessions most evenings and some weekend afternoons while someone is home; ~90 W."""

    def on(s: float) -> int:
        local = _local(env, s)
        day, clock = local.date(), local.hour + local.minute / 60
        start = 19 + _u(env, 0, 1.5, key, day)
        evening = noise.chance(0.8, env.seed, key, day) and start <= clock < start + _u(env, 1.5, 3, key, day, "l")
        afternoon = local.weekday() >= 5 and noise.chance(0.4, env.seed, key, day, "a") and 15 <= clock < 17
        return round(_u(env, 850, 950, key, s)) if (evening or afternoon) and env.anyone_home(s) else 0

    return _slot_load(env, h, on)


def coffee_machine(env: Env, key: str, h: int) -> list[Interval]:
    """A brew per person in the morning and sometimes in the afternoon: 1.3 kW heat-up then the pump."""
    t = h * 3600.0
    local = _local(env, t)
    found: list[Interval] = []
    brews = []
    for name in ("anna", "jonas", "mia"):
        at = local.replace(hour=6, minute=30).timestamp() + 60 * round(_u(env, 0, 120, key, local.date(), name))
        if t <= at < t + 3600 and env.home(name, at) and noise.chance(0.85, env.seed, key, local.date(), name, "p"):
            brews.append(at)
    if local.hour == 15 and env.anyone_home(t) and noise.chance(0.4, env.seed, key, local.date(), "pm"):
        brews.append(t + 60 * round(_u(env, 0, 50, key, local.date(), "pm-at")))
    for at in brews:
        found += [(at, at + 60, 13000), (at + 60, at + 90, 2500)]
    return found


def reading_lamp(env: Env, key: str, h: int) -> list[Interval]:
    """Anna's reading lamp (7 W) on some evenings."""

    def on(s: float) -> int:
        local = _local(env, s)
        clock = local.hour + local.minute / 60
        evening = 20 + _u(env, 0, 1, key, local.date()) <= clock < 22.5 and noise.chance(
            0.6, env.seed, key, local.date()
        )
        return 70 if evening and env.home("anna", s) else 0

    return _slot_load(env, h, on)


def bulb(env: Env, key: str, h: int) -> list[Interval]:
    """Bedside bulb (9 W): before sleep, and weekday mornings."""

    def on(s: float) -> int:
        local = _local(env, s)
        clock = local.hour + local.minute / 60
        lit = 22 <= clock < 22.75 or (local.weekday() < 5 and 6.25 <= clock < 6.75)
        return 90 if lit and env.home("anna", s) else 0

    return _slot_load(env, h, on)


def k3s_node(env: Env, key: str, h: int) -> list[Interval]:
    """A k3s node on a metered plug: its draw minute by minute, idle to flat out with its CPU (sim.model.cluster)."""
    plug = key.split(":")[0]
    minutes = (h * 3600.0 + 60 * i for i in range(60))
    return [(s, s + 60, p) for s in minutes if (p := round(env.node_power_w(plug, s + 30) * 10)) > 0]


LOADS: dict[str, Load] = {
    "heat_pump": Load(120, True, 0.92, heat_pump),
    "water_heater": Load(0, True, 1.0, water_heater),
    "irrigation_pump": Load(0, False, 0.8, irrigation_pump),
    "space_heater": Load(0, True, 1.0, space_heater),
    "garage_door_light": Load(12, True, 0.7, garage),
    "fridge": Load(20, True, 0.8, fridge),
    "hall_light": Load(0, False, 0.9, hall_light),
    "workstation": Load(15, True, 0.95, workstation),
    "ceiling_lights": Load(0, False, 0.9, ceiling_lights),
    "tv": Load(5, True, 0.7, tv),
    "coffee_machine": Load(8, True, 0.99, coffee_machine),
    "reading_lamp": Load(0, False, 0.9, reading_lamp),
    "bulb": Load(0, False, 0.9, bulb),
    "k3s_node": Load(0, True, 0.95, k3s_node),
}
