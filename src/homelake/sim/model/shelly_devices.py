"""The site's Shelly devices (from the catalogue) and their deterministic fault schedules.

Schedules are periodic sequences anchored at the site's model origin, so any 7-day window contains
at least one reboot of a metered device (the Pro 4PM reboots every 6 days +-3 h), one MQTT outage of
2-5 h (every 3 days + up to 12 h) and one device offline for 2-6 h (every 4 days + up to 12 h).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from homelake.sim.model import noise
from homelake.sim.model.model import Client
from homelake.sim.model.presence import local_epoch
from homelake.sim.model.site import Site

HOUR, DAY = 3600.0, 86400.0
CELL_S = 10  # the load model's grid; reboots and windows are aligned to it
REBOOT_DOWN_S = 30.0  # a rebooting device is off the network and its relays are off this long
GUARANTEED_REBOOTER = "shelly-pro4pm-utility"
MQTT_PERIOD, MQTT_JITTER = 3 * DAY, 12 * HOUR
OFFLINE_PERIOD, OFFLINE_JITTER = 4 * DAY, 12 * HOUR
REBOOT_JITTER = 3 * HOUR


@dataclass(frozen=True)
class ModelSpec:
    """What a Shelly model has: Gen2 app name, outputs and their kind, and how it meters."""

    app: str | None
    outputs: int
    output_kind: Literal["switch", "relay", "light", "none"]
    meters: Literal["counter", "power", "none"]
    emeters: int = 0  # energy-meter channels (EM: CT clamps with Wh counters that survive reboots)


MODELS: dict[str, ModelSpec] = {
    "SPSW-004PE16EU": ModelSpec("Pro4PM", 4, "switch", "counter"),
    "SPSW-002PE16EU": ModelSpec("Pro2PM", 2, "switch", "counter"),
    "SNSW-001P16EU": ModelSpec("Plus1PM", 1, "switch", "counter"),
    "SNPL-00112EU": ModelSpec("PlusPlugS", 1, "switch", "counter"),
    "SNSN-0013A": ModelSpec("PlusHT", 0, "none", "none"),
    "SHSW-25": ModelSpec(None, 2, "relay", "counter"),
    "SHPLG-S": ModelSpec(None, 1, "relay", "counter"),
    "SHUNI-1": ModelSpec(None, 2, "relay", "none"),
    "SHBLB-1": ModelSpec(None, 1, "light", "power"),  # Bulb meters report power only (no `total`)
    "SHVIN-1": ModelSpec(None, 1, "light", "counter"),
    "SHHT-1": ModelSpec(None, 0, "none", "none"),
    "SHMOS-01": ModelSpec(None, 0, "none", "none"),
    "SHEM": ModelSpec(None, 1, "relay", "none", emeters=2),  # its relay (a contactor output) is not metered
}


# (catalogue client id, channel) -> (circuit, room, load); a Pro 4PM's channels feed four rooms.
CIRCUITS: dict[tuple[str, int], tuple[str, str, str]] = {
    ("shelly-pro4pm-utility", 0): ("heat_pump", "utility", "heat_pump"),
    ("shelly-pro4pm-utility", 1): ("hot_water", "bathroom", "water_heater"),
    ("shelly-pro4pm-utility", 2): ("garden", "garden", "irrigation_pump"),
    ("shelly-pro4pm-utility", 3): ("kids_room_sockets", "kids_room", "space_heater"),
    ("shelly-pro2pm-garage", 0): ("garage", "garage", "garage_door_light"),
    ("shelly-pro2pm-garage", 1): ("garage_fridge", "garage", "fridge"),
    ("shelly-plus1pm-hall", 0): ("hall_lights", "hall", "hall_light"),
    ("shelly-plusplugs-office", 0): ("office_desk", "office", "workstation"),
    ("shelly-25-living", 0): ("living_lights", "living", "ceiling_lights"),
    ("shelly-25-living", 1): ("living_media", "living", "tv"),
    ("shelly-plugs-kitchen", 0): ("kitchen_counter", "kitchen", "coffee_machine"),
    ("shelly-vintage-living", 0): ("living_lamp", "living", "reading_lamp"),
    ("shelly-bulb-bedroom", 0): ("bedside", "bedroom", "bulb"),
    ("shelly-plusplugs-rack", 0): ("k3s_master", "utility", "k3s_node"),  # the cluster's master (sim/model/cluster)
}

# (catalogue client id, EM channel) -> (circuit, kind): what an energy meter's clamp measures. Not room circuits:
# the generator's line into the inverter, and the inverter's AC output (every circuit above together, and more).
# The circuits seed says so in its `kind` column, which keeps them out of every room sum.
METER_POINTS: dict[tuple[str, int], tuple[str, str]] = {
    ("shelly-em-utility", 0): ("generator", "generator"),
    ("shelly-em-utility", 1): ("inverter_output", "inverter_output"),
}
EM_ROOM = "utility"


@dataclass(frozen=True)
class ShellyDevice:
    """One simulated Shelly: the LAN client it is, and what its model can do."""

    client: Client
    device_id: str  # the Shelly id (= DHCP host name): shellyplug-s-C18B12, shellypro4pm-aabbccddeeff
    gen: int
    model: str  # model code: SHPLG-S, SPSW-004PE16EU
    spec: ModelSpec
    drift_s: float  # device clock minus true time

    @property
    def key(self) -> str:
        return self.client.id

    @property
    def mac12(self) -> str:
        return self.client.mac.replace(":", "").upper()

    @property
    def lan_ip(self) -> str:
        return self.client.static_ip or ""

    @property
    def sleeper(self) -> bool:
        return self.client.presence.mode == "sleeper"

    @property
    def metered(self) -> tuple[int, ...]:
        return tuple(range(self.spec.outputs)) if self.spec.meters != "none" else ()

    @property
    def has_counter(self) -> bool:
        return self.spec.meters == "counter"

    @property
    def emeters(self) -> tuple[int, ...]:
        """The energy-meter channels (`/status` `emeters[]`); none on switches, plugs and sensors."""
        return tuple(range(self.spec.emeters))


@dataclass(frozen=True)
class Window:
    """A device is offline (`offline`: no HTTP, no MQTT) or has no MQTT (`mqtt`) during [start, end)."""

    device: str  # catalogue client id
    kind: Literal["offline", "mqtt"]
    start: datetime
    end: datetime
    mode: Literal["refused", "timeout", "none"] = "none"  # how HTTP fails while offline


def shelly_devices(site: Site) -> list[ShellyDevice]:
    """Every Shelly in the site catalogue, in catalogue order."""
    found = []
    for client in site.clients:
        model = client.attrs.get("model_id")
        if client.metadata.vendor != "Shelly" or model not in MODELS or client.hostname is None:
            continue
        sign = 1 if noise.chance(0.5, site.seed, client.id, "drift-sign") else -1
        drift = round(sign * noise.uniform(2.0, 60.0, site.seed, client.id, "drift"), 2)
        found.append(ShellyDevice(client, client.hostname, int(client.attrs.get("gen", "1")), model,
                                  MODELS[model], drift))  # fmt: skip
    return found


def _snap(t: float) -> float:
    return float(round(t / CELL_S) * CELL_S)


class Schedule:
    """Reboots, offline windows and MQTT outages of a site's Shelly fleet (pure in seed and time)."""

    def __init__(self, site: Site, devices: list[ShellyDevice]) -> None:
        self.seed = site.seed
        self.anchor = local_epoch(site.origin, 0, site.tz)
        self.devices = {d.key: d for d in devices}
        self.by_id = {d.device_id: d for d in devices}
        self._rebooters = [d.key for d in devices if (d.metered or d.emeters) and not d.sleeper]
        # outages hit devices with switched, metered circuits: the gaps the energy pipeline must survive. Energy
        # meters reboot (on a schedule keyed by their own id) but stay out of this pool, so adding one moves no
        # other device's offline window or MQTT outage.
        self._window_pool = [d.key for d in devices if d.metered and not d.sleeper]

    @functools.cache  # noqa: B019 - one Schedule per site, kept for the site's lifetime
    def _period(self, key: str) -> tuple[float, float]:
        """(period, phase) of a device's reboots."""
        period = (
            6 * DAY if key == GUARANTEED_REBOOTER else round(noise.uniform(8, 13, self.seed, key, "rp") * 24) * HOUR
        )
        return period, self.anchor + noise.uniform(0, period, self.seed, key, "reboot-phase")

    @functools.cache  # noqa: B019
    def _reboot(self, key: str, k: int) -> float:
        period, phase = self._period(key)
        return _snap(phase + k * period + noise.uniform(-REBOOT_JITTER, REBOOT_JITTER, self.seed, key, "reboot", k))

    def reboots(self, key: str, start: float, end: float) -> list[float]:
        """Epoch seconds (on the 10 s grid) the device `key` went down to reboot, in [start, end)."""
        if key not in self._rebooters:
            return []
        period, phase = self._period(key)
        first, last = (
            math.floor((start - phase - REBOOT_JITTER) / period),
            math.ceil((end - phase + REBOOT_JITTER) / period),
        )
        return [at for k in range(first, last + 1) if start <= (at := self._reboot(key, k)) < end]

    def last_boot(self, key: str, t: float) -> float:
        """When the device came up last before t (a reboot's end); far back when it never rebooted."""
        for span in (14 * DAY, 60 * DAY):
            found = [r + REBOOT_DOWN_S for r in self.reboots(key, t - span, t) if r + REBOOT_DOWN_S <= t]
            if found:
                return found[-1]
        return _snap(self.anchor - noise.uniform(5, 40, self.seed, key, "first-boot") * DAY)

    def rebooting(self, key: str, t: float) -> bool:
        return any(r <= t < r + REBOOT_DOWN_S for r in self.reboots(key, t - REBOOT_DOWN_S, t + 1))

    @functools.cache  # noqa: B019
    def _window(self, kind: str, k: int) -> Window:
        period, jitter = (MQTT_PERIOD, MQTT_JITTER) if kind == "mqtt" else (OFFLINE_PERIOD, OFFLINE_JITTER)
        begin = _snap(self.anchor + k * period + noise.uniform(0, jitter, self.seed, kind, k))
        hours = noise.uniform(*((2, 5) if kind == "mqtt" else (2, 6)), self.seed, kind, k, "len")
        pool = self._window_pool
        key = pool[int(noise.unit(self.seed, kind, k, "device") * len(pool))]
        mode = "none" if kind == "mqtt" else "timeout" if noise.chance(0.3, self.seed, kind, k, "m") else "refused"
        start, end = datetime.fromtimestamp(begin, UTC), datetime.fromtimestamp(_snap(begin + hours * HOUR), UTC)
        return Window(key, kind, start, end, mode)  # type: ignore[arg-type]

    def _windows(self, kind: str, start: float, end: float) -> list[Window]:
        period = MQTT_PERIOD if kind == "mqtt" else OFFLINE_PERIOD
        first, last = math.floor((start - self.anchor) / period) - 1, math.ceil((end - self.anchor) / period)
        windows = (self._window(kind, k) for k in range(first, last + 1))
        return [w for w in windows if w.end.timestamp() > start and w.start.timestamp() < end]

    def offline_windows(self, start: float, end: float) -> list[Window]:
        return self._windows("offline", start, end)

    def mqtt_outages(self, start: float, end: float) -> list[Window]:
        return self._windows("mqtt", start, end)

    def window_at(self, kind: str, key: str, t: float) -> Window | None:
        for window in self._windows(kind, t - 7 * HOUR, t + 1):
            if window.device == key and window.start.timestamp() <= t < window.end.timestamp():
                return window
        return None
