"""What the simulated Zigbee2MQTT bridge publishes in a time range (pure; devices.md 8.1-8.3).

`zigbee2mqtt/front_door_lock` on every lock action (and an hourly check-in), `<room>_climate` every
10 minutes, `<room>_motion` on occupancy changes, retained `.../availability` `{"state":"online"}`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import orjson

from homelake.sim.model import noise
from homelake.sim.model.climate import indoor
from homelake.sim.model.occupancy import MOTION_ROOMS, occupancy
from homelake.sim.model.site import Site
from homelake.sim.model.weather import outdoor, smooth
from homelake.sim.servers.mqtt_publish import Message

BASE = "zigbee2mqtt"
LOCK = "front_door_lock"
CLIMATE_ROOMS = ("living", "office", "bathroom")
CLIMATE_PERIOD_S = 600.0
LOCK_CHECKIN_S = 3600.0
ACTION_SOURCES = {"keypad": 0, "rfid": 1, "manual": 2, "rf": 3}


def zigbee_devices() -> list[str]:
    """Friendly names of the simulated Zigbee devices."""
    motion = [name for name in MOTION_ROOMS if not name.startswith("shelly")]
    return [LOCK, *(f"{room}_climate" for room in CLIMATE_ROOMS), *motion]


def _battery(site: Site, name: str, t: float) -> int:
    days = (t - site.start.timestamp()) / 86400
    return max(5, min(100, round(noise.uniform(70, 98, site.seed, name, "battery") - 0.1 * days)))


def _link(site: Site, name: str, t: float) -> int:
    return round(noise.uniform(40, 200, site.seed, name, "lqi", int(t // 900)))


def _lock_state(site: Site, t: float) -> str:
    events = occupancy(site).door_events(t - 600, t + 0.001)
    return events[-1]["state"] if events else "LOCK"


def _lock(site: Site, t: float, event: dict[str, object] | None) -> bytes:
    state = event["state"] if event else _lock_state(site, t)
    body: dict[str, object] = {"state": state, "lock_state": "locked" if state == "LOCK" else "unlocked"}
    if event is not None:
        source = str(event["source_name"])
        body |= {"action": event["action"], "action_source": ACTION_SOURCES[source], "action_source_name": source}
        if event["user"] is not None:
            body["action_user"] = event["user"]
    return orjson.dumps(body | {"battery": _battery(site, LOCK, t), "linkquality": _link(site, LOCK, t)})


def _grid(a: float, b: float, period: float, phase: float) -> list[float]:
    first = math.ceil((a - phase) / period) * period + phase
    return [first + i * period for i in range(max(0, math.ceil((b - first) / period)))]


def zigbee_messages(site: Site, start: float, end: float, *, connect: bool = False) -> list[Message]:
    """Every Zigbee2MQTT message with a time in [start, end), in time order; with `connect`, the
    bridge state and every device's retained availability at `start` first."""
    found: list[Message] = []
    if connect:
        found.append((start, f"{BASE}/bridge/state", b'{"state":"online"}', True))
        found += [(start, f"{BASE}/{name}/availability", b'{"state":"online"}', True) for name in zigbee_devices()]
    for event in occupancy(site).door_events(start, end):
        at = event["t"].timestamp()
        found.append((at, f"{BASE}/{LOCK}", _lock(site, at, event), False))
    for at in _grid(start, end, LOCK_CHECKIN_S, 1020.0):
        found.append((at, f"{BASE}/{LOCK}", _lock(site, at, None), False))
    for room in CLIMATE_ROOMS:
        name = f"{room}_climate"
        for at in _grid(start, end, CLIMATE_PERIOD_S, float(round(noise.uniform(0, 600, site.seed, name, "phase")))):
            climate = indoor(site, room, at)
            pressure = 1013 + 9 * smooth(site.seed, "pressure", at, 86400.0)
            body = {"temperature": climate.temperature_c, "humidity": climate.humidity_pct,
                    "pressure": round(pressure, 1), "battery": _battery(site, name, at),
                    "voltage": 2900 + _battery(site, name, at) * 3, "linkquality": _link(site, name, at)}  # fmt: skip
            found.append((at, f"{BASE}/{name}", orjson.dumps(body), False))
    for event in occupancy(site).motion_events(start, end):
        if str(event["sensor"]).startswith("shelly"):
            continue
        at, name = event["t"].timestamp(), str(event["sensor"])
        lux = round(
            outdoor(site.seed, at, site.latitude, site.longitude).lux * 0.01 + (40 if event["occupancy"] else 0)
        )
        body = {"occupancy": event["occupancy"], "illuminance": lux, "battery": _battery(site, name, at),
                "voltage": 3000, "linkquality": _link(site, name, at)}  # fmt: skip
        found.append((at, f"{BASE}/{name}", orjson.dumps(body), False))
    return sorted(found, key=lambda m: m[0])


def sensor_room_rows() -> list[dict[str, str]]:
    """The `sensor_rooms.csv` seed of the simulated Zigbee sensors (friendly name -> room)."""
    rows = [{"device_id": f"{room}_climate", "room": room} for room in CLIMATE_ROOMS]
    rows += [{"device_id": name, "room": room} for name, room in MOTION_ROOMS.items() if not name.startswith("shelly")]
    rows.append({"device_id": LOCK, "room": "hall"})
    return rows


def write_sensor_rooms_csv(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["device_id", "room"])
        writer.writeheader()
        writer.writerows(sensor_room_rows())
    return path
