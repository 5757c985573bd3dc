"""Pure Gen2+ payloads of a simulated Shelly at time t: device info, `Shelly.GetStatus`, RPC (devices.md 2.5).

`aenergy.total` is Wh since the last boot (3 decimals); `by_minute` is mWh of the last 3 whole minutes
of the device's own clock (index 0 most recent), `minute_ts` the start of its current minute.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from homelake.sim.model import noise
from homelake.sim.model.load_profiles import LOADS
from homelake.sim.model.shelly_devices import CIRCUITS, ShellyDevice
from homelake.sim.model.shelly_state import ShellyState

FW_ID, VERSION = "20241011-114455/1.4.4-g6d2a586", "1.4.4"
INPUTS = {"SPSW-004PE16EU": 4, "SPSW-002PE16EU": 2, "SNSW-001P16EU": 1}
SSID = "homelake"
METHODS = ["Shelly.GetDeviceInfo", "Shelly.GetStatus", "Shelly.GetConfig", "Shelly.GetComponents",
           "Shelly.ListMethods", "Switch.GetStatus", "Sys.GetStatus"]  # fmt: skip


class RpcError(Exception):
    """A Gen2 RPC error: `code` (negative Shelly codes, 401, 404) and its message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def render_gen2_info(st: ShellyState, dev: ShellyDevice, *, auth: bool = False) -> dict[str, Any]:
    """`Shelly.GetDeviceInfo` (and `GET /shelly`): never behind auth."""
    info: dict[str, Any] = {"name": dev.client.metadata.name, "id": dev.device_id, "mac": dev.mac12}
    if dev.spec.app and dev.spec.app.startswith("Pro"):
        info["slot"] = 0
    info |= {"model": dev.model, "gen": dev.gen, "fw_id": FW_ID, "ver": VERSION, "app": dev.spec.app,
             "auth_en": auth, "auth_domain": dev.device_id if auth else None}  # fmt: skip
    if dev.spec.app == "Pro2PM":
        info["profile"] = "switch"
    return info


def _voltage(st: ShellyState, dev: ShellyDevice, t: float) -> float:
    return round(230.0 + noise.uniform(-3, 3, st.site.seed, "mains", int(t // 60)), 1)


def _pf(dev: ShellyDevice, ch: int, power: float) -> float:
    return LOADS[CIRCUITS[(dev.key, ch)][2]].pf if power > 0 else 0.0


def current_a(st: ShellyState, dev: ShellyDevice, ch: int, t: float, power: float) -> float:
    """Current (A) drawn at `power` W on the mains voltage of that minute, with the load's power factor."""
    pf = _pf(dev, ch, power)
    return round(power / (_voltage(st, dev, t) * pf), 3) if pf else 0.0


def switch_status(st: ShellyState, dev: ShellyDevice, ch: int, t: float) -> dict[str, Any]:
    """`Switch.GetStatus` of channel `ch`."""
    power = round(st.power_w(dev, ch, t), 1)
    volts, pf, current = _voltage(st, dev, t), _pf(dev, ch, power), current_a(st, dev, ch, t, power)
    celsius = st.device_temperature_c(dev, t)
    minute = st.minute_ts(dev, t)
    status: dict[str, Any] = {"id": ch, "source": "init", "output": st.output(dev, ch, t), "apower": power,
                              "voltage": volts, "current": current}  # fmt: skip
    if dev.spec.app != "PlusPlugS":  # the Plus Plug S reports neither pf nor freq
        status |= {"pf": pf, "freq": 50.0}
    status["aenergy"] = {"total": st.gen2_total_wh(dev, ch, t), "by_minute": st.by_minute_mwh(dev, ch, t),
                         "minute_ts": minute}  # fmt: skip
    if dev.spec.app and dev.spec.app.startswith("Pro"):
        status["ret_aenergy"] = {"total": 0.0, "by_minute": [0.0, 0.0, 0.0], "minute_ts": minute}
    status["temperature"] = {"tC": celsius, "tF": round(celsius * 9 / 5 + 32, 1)}
    return status


def _sys(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    clock = st.device_time(dev, t)
    sys: dict[str, Any] = {
        "mac": dev.mac12, "restart_required": False,
        "time": datetime.fromtimestamp(clock, st.site.tz).strftime("%H:%M"), "unixtime": int(clock),
        "uptime": st.uptime_s(dev, t), "ram_size": 245400,
        "ram_free": 110000 + round(noise.uniform(0, 20000, st.site.seed, dev.key, int(t // 60))),
        "fs_size": 524288, "fs_free": 196608, "cfg_rev": 27, "kvs_rev": 0, "schedule_rev": 0, "webhook_rev": 0,
        "available_updates": {}, "reset_reason": 3,
    }  # fmt: skip
    if dev.sleeper:
        sys |= {"wakeup_reason": {"boot": "deepsleep_wake", "cause": "periodic"}, "wakeup_period": 1800}
    return sys


def render_gen2_status(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    """`Shelly.GetStatus` (the bare result) at epoch second t."""
    status: dict[str, Any] = {"ble": {}, "cloud": {"connected": False}}
    if dev.client.connection == "wired":
        status["eth"] = {"ip": dev.lan_ip}
    for i in range(INPUTS.get(dev.model, 0)):
        status[f"input:{i}"] = {"id": i, "state": None if dev.model == "SNSW-001P16EU" else False}
    status["mqtt"] = {"connected": st.mqtt_up(dev, t)}
    for ch in dev.metered:
        status[f"switch:{ch}"] = switch_status(st, dev, ch, t)
    if dev.model == "SNSN-0013A":
        ht = st.ht(dev, t)
        percent, volts = st.battery(dev, t)
        status |= {
            "devicepower:0": {"id": 0, "battery": {"V": volts, "percent": percent}, "external": {"present": False}},
            "ht_ui": {}, "humidity:0": {"id": 0, "rh": ht.humidity_pct},
            "temperature:0": {"id": 0, "tC": ht.temperature_c, "tF": round(ht.temperature_c * 9 / 5 + 32, 1)},
        }  # fmt: skip
    status["sys"] = _sys(st, dev, t)
    if dev.client.connection == "wired":
        status["wifi"] = {"sta_ip": None, "status": "disconnected", "ssid": None, "rssi": 0}
    else:
        status["wifi"] = {"sta_ip": dev.lan_ip, "status": "got ip", "ssid": SSID, "rssi": st.rssi(dev, t)}
    status["ws"] = {"connected": False}
    return dict(sorted(status.items()))


def render_gen2_config(st: ShellyState, dev: ShellyDevice) -> dict[str, Any]:
    """`Shelly.GetConfig`: the components' configs (shapes of the Gen2 API docs and real dumps)."""
    config: dict[str, Any] = {"ble": {"enable": False, "rpc": {"enable": True}, "observer": {"enable": False}},
                              "cloud": {"enable": False, "server": "iot.shelly.cloud:6012/jrpc"}}  # fmt: skip
    for i in range(INPUTS.get(dev.model, 0)):
        config[f"input:{i}"] = {"id": i, "name": None, "type": "button" if dev.model == "SNSW-001P16EU" else "switch",
                                "enable": True, "invert": False, "factory_reset": True}  # fmt: skip
    config["mqtt"] = {"enable": True, "server": None, "client_id": None, "user": None, "ssl_ca": None,
                      "topic_prefix": None, "rpc_ntf": True, "status_ntf": False, "use_client_cert": False,
                      "enable_rpc": True, "enable_control": True}  # fmt: skip
    for ch in range(dev.spec.outputs):
        config[f"switch:{ch}"] = {"id": ch, "name": CIRCUITS[(dev.key, ch)][0] if (dev.key, ch) in CIRCUITS else None,
                                  "in_mode": "detached" if dev.model == "SNSW-001P16EU" else "follow",
                                  "initial_state": "restore_last", "auto_on": False, "auto_on_delay": 60.0,
                                  "auto_off": False, "auto_off_delay": 60.0, "power_limit": 4480,
                                  "voltage_limit": 280, "current_limit": 16.0}  # fmt: skip
    config["sys"] = {
        "device": {"name": dev.client.metadata.name, "mac": dev.mac12, "fw_id": FW_ID, "discoverable": True,
                   "eco_mode": False, "addon_type": None},
        "location": {"tz": st.site.timezone, "lat": st.site.latitude, "lon": st.site.longitude},
        "debug": {"level": 2, "file_level": None, "mqtt": {"enable": False}, "websocket": {"enable": False},
                  "udp": {"addr": None}},
        "ui_data": {}, "rpc_udp": {"dst_addr": None, "listen_port": None}, "sntp": {"server": "time.google.com"},
        "cfg_rev": 27,
    }  # fmt: skip
    if dev.client.connection == "wired":
        config["eth"] = {"enable": True, "ipv4mode": "dhcp", "ip": None, "netmask": None, "gw": None,
                         "nameserver": None}  # fmt: skip
    config["wifi"] = {"ap": {"ssid": dev.device_id, "is_open": True, "enable": False},
                      "sta": {"ssid": SSID, "is_open": False, "enable": dev.client.connection != "wired",
                              "ipv4mode": "dhcp", "ip": None, "netmask": None, "gw": None, "nameserver": None},
                      "roam": {"rssi_thr": -80, "interval": 60}}  # fmt: skip
    config["ws"] = {"enable": False, "server": None, "ssl_ca": "ca.pem"}
    return config


def _components(st: ShellyState, dev: ShellyDevice, params: dict[str, Any], t: float) -> dict[str, Any]:
    """`Shelly.GetComponents`: pages of {key, status, config}; the simulated devices have no dynamic ones."""
    status, config = render_gen2_status(st, dev, t), render_gen2_config(st, dev)
    items = [] if params.get("dynamic_only") in (True, "true") else [
        {"key": key, "status": status.get(key, {}), "config": value} for key, value in config.items()
    ]  # fmt: skip
    offset = int(params.get("offset") or 0)
    return {"components": items[offset:], "cfg_rev": config["sys"]["cfg_rev"], "offset": offset, "total": len(items)}


def _component_id(params: dict[str, Any]) -> int:
    value = params.get("id", 0)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RpcError(-103, f"Invalid argument 'id': {value!r}") from None
    if not math.isfinite(number) or not number.is_integer():
        raise RpcError(-103, f"Invalid argument 'id': {value!r}")
    return int(number)


def rpc(  # noqa: PLR0911, PLR0913 - one return per RPC method the simulated firmware answers
    st: ShellyState, dev: ShellyDevice, method: str, params: dict[str, Any], t: float, *, auth: bool
) -> object:
    """The result of a read-only RPC `method`; raises RpcError like the device would."""
    name = method.lower()
    if name == "shelly.getdeviceinfo":
        return render_gen2_info(st, dev, auth=auth)
    if name == "shelly.getstatus":
        return render_gen2_status(st, dev, t)
    if name == "shelly.getconfig":
        return render_gen2_config(st, dev)
    if name == "shelly.getcomponents":
        return _components(st, dev, params, t)
    if name == "shelly.listmethods":
        return {"methods": METHODS}
    component, _, verb = name.partition(".")
    if verb == "getstatus" and component:
        status = render_gen2_status(st, dev, t)
        if component in status and ":" not in component:
            return status[component]
        key = f"{component}:{_component_id(params)}"
        if key in status:
            return status[key]
        raise RpcError(-105, f"Argument 'id', value {params.get('id', 0)} not found!")
    raise RpcError(404, f"No handler for {method}")
