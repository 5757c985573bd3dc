"""What each simulated Shelly reports at time t: counters since its last boot, uptime, clock, sensors.

The truth (loads.py) never drifts or resets; a device's view does: its counter restarts from zero at
each reboot, its clock runs `drift_s` off, it is unreachable while offline (but keeps metering, so the
counter catches up) and publishes nothing during an MQTT outage.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from homelake.sim.model import noise, weather
from homelake.sim.model.climate import indoor
from homelake.sim.model.load_profiles import LOADS
from homelake.sim.model.loads import LoadModel, load_model
from homelake.sim.model.occupancy import occupancy
from homelake.sim.model.power import PowerModel, power_model
from homelake.sim.model.shelly_devices import METER_POINTS, REBOOT_DOWN_S, Schedule, ShellyDevice, Window
from homelake.sim.model.site import Site

DAY = 86400.0
# what an energy meter's clamp measures, by kind (shelly_devices.METER_POINTS) -> the power model's flow
METER_FLOWS = {"generator": "generator", "inverter_output": "load"}
OfflineMode = Literal["refused", "timeout"]


@dataclass(frozen=True)
class HT:
    """A temperature/humidity sensor's reading and battery."""

    temperature_c: float
    humidity_pct: float
    battery_pct: int
    battery_v: float


class ShellyState:
    """The device-side view of a site's Shelly fleet (pure in seed and time)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.loads: LoadModel = load_model(site)
        self.schedule: Schedule = self.loads.schedule
        self.devices: list[ShellyDevice] = self.loads.devices
        self._by = {k: d for d in self.devices for k in (d.key, d.device_id)}

    def device(self, ref: ShellyDevice | str) -> ShellyDevice:
        if isinstance(ref, ShellyDevice):
            return ref
        try:
            return self._by[ref]
        except KeyError:
            raise KeyError(f"no Shelly {ref!r} in site {self.site.name}") from None

    # --- reachability ---------------------------------------------------------------------------
    def offline_mode(self, dev: ShellyDevice, t: float) -> OfflineMode | None:
        """None when the device answers HTTP at t; else how it fails (refused or timeout)."""
        window = self.schedule.window_at("offline", dev.key, t)
        if window is not None:
            return "timeout" if window.mode == "timeout" else "refused"
        if self.schedule.rebooting(dev.key, t) or not self.site.is_online(dev.client, _utc(t)):
            return "refused"
        return None

    def up(self, dev: ShellyDevice, t: float) -> bool:
        return self.offline_mode(dev, t) is None

    def mqtt_up(self, dev: ShellyDevice, t: float) -> bool:
        """Connected to the broker: up and not inside an MQTT outage."""
        return self.up(dev, t) and self.schedule.window_at("mqtt", dev.key, t) is None

    def boot_at(self, dev: ShellyDevice, t: float) -> float:
        """When the device last came up (the end of its last reboot)."""
        if dev.sleeper:  # battery devices boot at every wake-up
            since = self.site.client_state(dev.client, _utc(t)).online_since
            return since.timestamp() if since is not None else math.floor(t / 1800) * 1800.0
        return self.schedule.last_boot(dev.key, t)

    def uptime_s(self, dev: ShellyDevice, t: float) -> int:
        return int(t - self.boot_at(dev, t))

    def device_time(self, dev: ShellyDevice, t: float) -> float:
        """The device's own (drifting) clock."""
        return t + dev.drift_s

    # --- metering -------------------------------------------------------------------------------
    def power_w(self, dev: ShellyDevice, channel: int, t: float) -> float:
        return self.loads.power_w((dev.device_id, channel), t)

    def output(self, dev: ShellyDevice, channel: int, t: float) -> bool:
        if dev.emeters:  # the EM's relay (a contactor output) switches nothing on this site
            return False
        if channel not in dev.metered:  # the Uni's relay 0 switches the irrigation pump
            return channel == 0 and self.loads.power_dw(("shelly-pro4pm-utility", 2), t) > 0
        ch = self.loads.channel((dev.device_id, channel))
        return (LOADS[ch.load].always_on and not self.schedule.rebooting(dev.key, t)) or self.power_w(
            dev, channel, t
        ) > 0

    def counter_j(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """Energy (J) metered since the last boot."""
        return self.loads.energy_j((dev.device_id, channel), self.boot_at(dev, t), t)

    def gen1_total_wmin(self, dev: ShellyDevice, channel: int, t: float) -> int:
        """Gen1 `meters[].total` and MQTT `energy`: whole watt-minutes since boot."""
        return int(self.counter_j(dev, channel, t) // 60)

    def gen2_total_wh(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """Gen2 `aenergy.total`: Wh since boot, 3 decimals."""
        return round(self.counter_j(dev, channel, t) / 3600, 3)

    def minute_ts(self, dev: ShellyDevice, t: float) -> int:
        """Start of the device's current minute on its own clock."""
        return int(self.device_time(dev, t) // 60 * 60)

    def minutes_j(self, dev: ShellyDevice, channel: int, t: float) -> list[float]:
        """Energy (J) of the last 3 whole device minutes, most recent first (none before boot)."""
        boot, end = self.boot_at(dev, t), self.minute_ts(dev, t) - dev.drift_s
        return [
            self.loads.energy_j((dev.device_id, channel), max(boot, end - 60 * (k + 1)), max(boot, end - 60 * k))
            for k in range(3)
        ]

    def by_minute_mwh(self, dev: ShellyDevice, channel: int, t: float) -> list[float]:
        return [round(j / 3.6, 3) for j in self.minutes_j(dev, channel, t)]

    def gen1_counters_wmin(self, dev: ShellyDevice, channel: int, t: float) -> list[float]:
        return [round(j / 60, 3) for j in self.minutes_j(dev, channel, t)]

    # --- energy meters (EM): their clamps read the power model, their Wh counters survive reboots ---------------
    @property
    def power(self) -> PowerModel:
        return power_model(self.site)

    def meter_flow(self, dev: ShellyDevice, channel: int) -> str:
        """The power model flow an EM channel measures (`generator` or `load`)."""
        try:
            return METER_FLOWS[METER_POINTS[(dev.key, channel)][1]]
        except KeyError:
            raise KeyError(f"{dev.device_id} has no energy-meter channel {channel}") from None

    def em_power_w(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """Active power (W) at t: the power model's flow (0 before the model's anchor)."""
        if t < self.power.anchor:
            return 0.0
        return self.power.cell(t).flow_w(self.meter_flow(dev, channel))

    def em_voltage_v(self, dev: ShellyDevice, t: float) -> float:
        """The line voltage both clamps share (the generator's or the inverter's 230 V)."""
        return round(230.0 + noise.uniform(-2.5, 2.5, self.site.seed, dev.key, "voltage", int(t // 60)), 2)

    def em_lost_wh(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """Energy (Wh) that flowed from the model's anchor to t while the meter was rebooting (not metered)."""
        flow, anchor = self.meter_flow(dev, channel), self.power.anchor
        return sum(self.power.energy_wh(flow, max(r, anchor), min(r + REBOOT_DOWN_S, t))
                   for r in self.schedule.reboots(dev.key, anchor - REBOOT_DOWN_S, t))  # fmt: skip

    def em_base_wh(self, dev: ShellyDevice, channel: int) -> float:
        """The counter at the power model's anchor: the meter's lifetime before the simulated days."""
        return float(round(noise.uniform(20_000, 400_000, self.site.seed, dev.key, "em-total", channel)))

    def em_metered_wh(self, dev: ShellyDevice, channel: int, t0: float, t1: float) -> float:
        """Exact energy (Wh) the channel metered in [t0, t1): the flow, minus what passed while it rebooted."""
        flow = self.meter_flow(dev, channel)
        through = self.power.cumulative_wh(flow, t1) - self.power.cumulative_wh(flow, t0)
        return through - (self.em_lost_wh(dev, channel, t1) - self.em_lost_wh(dev, channel, t0))

    def em_total_wh(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """`emeters[].total` and MQTT `emeter/N/total`: Wh, one decimal, kept across reboots (the EM stores it)."""
        flow = self.meter_flow(dev, channel)
        wh = self.em_base_wh(dev, channel) + self.power.cumulative_wh(flow, t) - self.em_lost_wh(dev, channel, t)
        return math.floor(wh * 10) / 10

    def em_returned_wh(self, dev: ShellyDevice, channel: int, t: float) -> float:
        """`total_returned`: nothing flows back through either clamp on this site (no grid, no export)."""
        return 0.0

    def em_energy_wmin(self, dev: ShellyDevice, channel: int, t: float) -> int:
        """MQTT `emeter/N/energy`: watt-minutes since the last boot (this one does restart at a reboot)."""
        flow, boot = self.meter_flow(dev, channel), self.boot_at(dev, t)
        return int((self.power.cumulative_wh(flow, t) - self.power.cumulative_wh(flow, boot)) * 60)

    def device_temperature_c(self, dev: ShellyDevice, t: float) -> float:
        """The device's own temperature: warm electronics plus self-heating from the load."""
        load = sum(self.power_w(dev, ch, t) for ch in dev.metered)
        return round(33.0 + 2.0 * weather.smooth(self.site.seed, dev.key, t, 3 * 3600) + 0.004 * load, 1)

    def rssi(self, dev: ShellyDevice, t: float) -> int:
        signal = self.site.client_state(dev.client, _utc(t)).signal_dbm
        return signal if signal is not None else -50

    # --- sensors --------------------------------------------------------------------------------
    def battery(self, dev: ShellyDevice, t: float) -> tuple[int, float]:
        """Battery percent and volts, slowly draining from the model origin."""
        days = (t - self.schedule.anchor) / DAY
        percent = max(15, min(100, round(97 - 0.2 * days)))
        return percent, round(2.6 + 0.5 * percent / 100, 2) if dev.gen == 1 else round(4.6 + 1.4 * percent / 100, 2)

    def ht(self, dev: ShellyDevice, t: float) -> HT:
        climate = indoor(self.site, dev.client.room, t)
        percent, volts = self.battery(dev, t)
        return HT(round(climate.temperature_c, 1), round(climate.humidity_pct, 1), percent, volts)

    def motion(self, dev: ShellyDevice, t: float) -> bool:
        return occupancy(self.site).motion_at(dev.key, t)

    def lux(self, dev: ShellyDevice, t: float) -> int:
        outside = weather.outdoor(self.site.seed, t, self.site.latitude, self.site.longitude).lux
        lights = self.loads.power_dw(("shelly-plus1pm-hall", 0), t) > 0 if dev.client.room == "hall" else False
        return round(outside * 0.004 + (120 if lights else 0))

    # --- schedules ------------------------------------------------------------------------------
    def reboots(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        """(catalogue device key, when it went down) for every reboot in [start, end)."""
        found = [(d.key, _utc(r)) for d in self.devices
                 for r in self.schedule.reboots(d.key, start.timestamp(), end.timestamp())]  # fmt: skip
        return sorted(found, key=lambda item: item[1])

    def offline_windows(self, start: datetime, end: datetime) -> list[Window]:
        return self.schedule.offline_windows(start.timestamp(), end.timestamp())

    def mqtt_outages(self, start: datetime, end: datetime) -> list[Window]:
        return self.schedule.mqtt_outages(start.timestamp(), end.timestamp())


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


_STATES: weakref.WeakKeyDictionary[Site, ShellyState] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def shelly_state(site: Site) -> ShellyState:
    """The (cached) device-side view of a site's Shellies."""
    with _LOCK:
        found = _STATES.get(site)
        if found is None:
            found = _STATES[site] = ShellyState(site)
        return found


__all__ = ["HT", "REBOOT_DOWN_S", "ShellyState", "Window", "shelly_state"]
