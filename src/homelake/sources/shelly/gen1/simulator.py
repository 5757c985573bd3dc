"""Pure Gen1 payloads of a simulated Shelly at time t: `/shelly`, `/status`, `/settings` (devices.md 2.2-2.3).

Energy is in watt-minutes (`meters[].total` int, `counters`), counted since the device's last boot; the EM's
`emeters[].total` / `total_returned` are Wh (one decimal) that the device keeps across reboots.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from homelake.sim.model import noise, weather
from homelake.sim.model.shelly_devices import ShellyDevice
from homelake.sim.model.shelly_state import ShellyState

FIRMWARE = {
    "SHBLB-1": "20211109-131251/v1.11.7-g682a0db",
    "SHMOS-01": "20230913-114244/v2.2.4@2b5a3f1b",
}
DEFAULT_FIRMWARE = "20230913-113421/v1.14.0-gcb84623"
SSID = "homelake"
DARK_LUX, TWILIGHT_LUX = 10, 200  # the Shelly Motion's illumination bands


def firmware(dev: ShellyDevice) -> str:
    return FIRMWARE.get(dev.model, DEFAULT_FIRMWARE)


def _f(celsius: float) -> float:
    return round(celsius * 9 / 5 + 32, 2)


def render_gen1_shelly(st: ShellyState, dev: ShellyDevice, *, auth: bool = False) -> dict[str, Any]:
    """`GET /shelly` (never behind auth)."""
    meters = len(dev.metered)
    info: dict[str, Any] = {"type": dev.model, "mac": dev.mac12, "auth": auth, "fw": firmware(dev),
                            "discoverable": True, "num_outputs": dev.spec.outputs}  # fmt: skip
    if dev.spec.outputs:
        info["num_meters"] = meters
    if dev.model == "SHSW-25":
        info["num_rollers"] = 1
    if dev.emeters:
        info["num_emeters"] = len(dev.emeters)
    return info


def _common(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    clock = st.device_time(dev, t)
    fw = firmware(dev)
    return {
        "wifi_sta": {"connected": True, "ssid": SSID, "ip": dev.lan_ip, "rssi": st.rssi(dev, t)},
        "cloud": {"enabled": False, "connected": False},
        "mqtt": {"connected": st.mqtt_up(dev, t)},
        "time": datetime.fromtimestamp(clock, st.site.tz).strftime("%H:%M"),
        "unixtime": int(clock),
        "serial": int(t // 30) % 65536,
        "has_update": False,
        "mac": dev.mac12,
        "cfg_changed_cnt": 0,
        "actions_stats": {"skipped": 0},
        "update": {"status": "idle", "has_update": False, "new_version": fw, "old_version": fw},
        "ram_total": 52064,
        "ram_free": 38000 + round(noise.uniform(0, 3000, st.site.seed, dev.key, int(t // 60))),
        "fs_size": 233681,
        "fs_free": 166664,
        "uptime": st.uptime_s(dev, t),
    }


def _meter(st: ShellyState, dev: ShellyDevice, ch: int, t: float) -> dict[str, Any]:
    power = round(st.power_w(dev, ch, t), 2)
    if not dev.has_counter:
        return {"power": power, "is_valid": True}
    clock = st.device_time(dev, t)
    offset = datetime.fromtimestamp(clock, st.site.tz).utcoffset()
    local = int(clock) + int(offset.total_seconds() if offset else 0)  # Gen1 quirk: local time applied
    return {"power": power, "overpower": 0.0, "is_valid": True, "timestamp": local,
            "counters": st.gen1_counters_wmin(dev, ch, t), "total": st.gen1_total_wmin(dev, ch, t)}  # fmt: skip


def _relay(st: ShellyState, dev: ShellyDevice, ch: int, t: float) -> dict[str, Any]:
    source = "input" if dev.model == "SHUNI-1" else "http"
    relay = {"ison": st.output(dev, ch, t), "has_timer": False, "timer_started": 0, "timer_duration": 0,
             "timer_remaining": 0, "overpower": False, "source": source}  # fmt: skip
    if dev.model == "SHSW-25":
        relay |= {"overtemperature": False, "is_valid": True}
    if dev.emeters:
        relay["is_valid"] = True
    return relay


def reactive_var(power_w: float) -> float:
    """The EM's reactive power: the generator and the inverter both run at a power factor of about 0.98."""
    return round(0.2 * power_w, 2)


def power_factor(power_w: float) -> float:
    return round(power_w / math.hypot(power_w, reactive_var(power_w)), 2) if power_w else 0.0


def _emeter(st: ShellyState, dev: ShellyDevice, ch: int, t: float) -> dict[str, Any]:
    """One EM channel (`emeters[i]`): W, var, V and Wh counters of consumed and returned energy."""
    power = round(st.em_power_w(dev, ch, t), 2)
    return {"power": power, "reactive": reactive_var(power), "pf": power_factor(power),
            "voltage": st.em_voltage_v(dev, t), "is_valid": True, "total": st.em_total_wh(dev, ch, t),
            "total_returned": st.em_returned_wh(dev, ch, t)}  # fmt: skip


def _light(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    light = {"ison": st.output(dev, 0, t), "source": "http", "has_timer": False, "timer_started": 0,
             "timer_duration": 0, "timer_remaining": 0}  # fmt: skip
    if dev.model == "SHBLB-1":
        return light | {"mode": "white", "red": 255, "green": 255, "blue": 255, "white": 255, "gain": 100,
                        "temp": 2700, "brightness": 80, "effect": 0}  # fmt: skip
    return light | {"brightness": 64}


def _device_temperature(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    celsius = st.device_temperature_c(dev, t)
    return {
        "temperature": celsius,
        "overtemperature": False,
        "tmp": {"tC": celsius, "tF": _f(celsius), "is_valid": True},
    }


def _sensor_part(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    percent, volts = st.battery(dev, t)
    if dev.model == "SHHT-1":
        ht = st.ht(dev, t)
        return {
            "tmp": {"value": ht.temperature_c, "units": "C", "tC": ht.temperature_c, "tF": _f(ht.temperature_c),
                    "is_valid": True},
            "hum": {"value": ht.humidity_pct, "is_valid": True},
            "bat": {"value": percent, "voltage": volts},
            "act_reasons": ["periodic"], "connect_retries": 0, "sensor_error": 0,
        }  # fmt: skip
    lux = st.lux(dev, t)
    illumination = "dark" if lux < DARK_LUX else "twilight" if lux < TWILIGHT_LUX else "bright"
    return {
        "sensor": {"motion": st.motion(dev, t), "vibration": False, "timestamp": int(st.device_time(dev, t)),
                   "active": True, "is_valid": True},
        "lux": {"value": lux, "illumination": illumination, "is_valid": True},
        "bat": {"value": percent, "voltage": round(3.5 + 0.6 * percent / 100, 2)}, "charger": True,
    }  # fmt: skip


def render_gen1_status(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    """`GET /status` of a Gen1 device at epoch second t."""
    status = _common(st, dev, t)
    if dev.model in ("SHHT-1", "SHMOS-01"):
        return status | _sensor_part(st, dev, t)
    if dev.spec.output_kind == "light":
        status["lights"] = [_light(st, dev, t)]
    else:
        status["relays"] = [_relay(st, dev, ch, t) for ch in range(dev.spec.outputs)]
    if dev.metered:
        status["meters"] = [_meter(st, dev, ch, t) for ch in dev.metered]
    if dev.emeters:
        status["emeters"] = [_emeter(st, dev, ch, t) for ch in dev.emeters]
    if dev.model == "SHSW-25":
        status["rollers"] = [{"state": "stop", "power": 0.0, "is_valid": True, "safety_switch": False,
                              "overtemperature": False, "stop_reason": "normal", "last_direction": "stop",
                              "current_pos": 101, "calibrating": False, "positioning": False}]  # fmt: skip
        status["voltage"] = round(230 + noise.uniform(-3, 3, st.site.seed, dev.key, int(t // 60)), 2)
    if dev.model in ("SHSW-25", "SHUNI-1"):
        status["inputs"] = [{"input": 0, "event": "", "event_cnt": 0} for _ in range(2)]
    if dev.model in ("SHPLG-S", "SHSW-25"):
        status |= _device_temperature(st, dev, t)
    if dev.model == "SHUNI-1":  # an outdoor DS18B20 probe in the garden
        out = weather.outdoor(st.site.seed, t, st.site.latitude, st.site.longitude).temperature_c
        status["adcs"] = [{"voltage": 12.02}]
        status["ext_sensors"] = {"temperature_unit": "C"}
        status["ext_temperature"] = {"0": {"hwID": "28" + dev.mac12.lower() + "00", "tC": out, "tF": _f(out)}}
    return status


def render_gen1_settings(st: ShellyState, dev: ShellyDevice, t: float, *, auth: bool = False) -> dict[str, Any]:
    """A minimal `GET /settings`: identity, mode, MQTT and login settings."""
    clock = st.device_time(dev, t)
    settings: dict[str, Any] = {
        "device": {"type": dev.model, "mac": dev.mac12, "hostname": dev.device_id,
                   "num_outputs": dev.spec.outputs, "num_meters": len(dev.metered)},
        "wifi_sta": {"enabled": True, "ssid": SSID, "ipv4_method": "dhcp", "ip": dev.lan_ip},
        "mqtt": {"enable": True, "id": dev.device_id, "keep_alive": 60, "max_qos": 1, "retain": False,
                 "update_period": 30, "will_topic": f"shellies/{dev.device_id}/online", "will_message": "false"},
        "login": {"enabled": auth, "unprotected": False, "username": "admin"},
        "name": dev.client.metadata.name, "fw": firmware(dev), "timezone": st.site.timezone,
        "lat": st.site.latitude, "lng": st.site.longitude,
        "time": datetime.fromtimestamp(clock, st.site.tz).strftime("%H:%M"), "unixtime": int(clock),
    }  # fmt: skip
    if dev.model == "SHSW-25":
        settings["mode"] = "relay"
    if dev.emeters:
        settings["device"]["num_emeters"] = len(dev.emeters)
        settings["emeters"] = [{"appliance_type": "General", "max_power": 0, "ctraf_type": 50} for _ in dev.emeters]
    return settings
