"""Pure parser: a Shelly Gen1 `/status` object (HTTP poll or MQTT `info`) to shelly/* lake rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.shelly import ids
from homelake.sources.shelly import values as v
from homelake.sources.shelly.rows import DEVICE_STATUS, SENSOR_READINGS, SWITCH_READINGS, Results

Values = dict[str, Any]

# Keys that mark a battery sensor, whose `tmp` is the ambient temperature rather than the device's.
_AMBIENT_KEYS = ("hum", "bat", "lux", "sensor")
_ROLLER_FLAGS = ("overtemperature", "safety_switch")
_RELAY_FLAGS = ("overpower", "overtemperature")
# Keys every Gen1 `/status` has some of; a body with none (`{"foo": 1}`, a dump of several calls) is not one.
_STATUS_KEYS = frozenset({
    "mac", "uptime", "wifi_sta", "update", "unixtime", "serial", "has_update", "ram_free", "relays", "meters",
    "emeters", "rollers", "lights", "tmp", "hum", "bat", "sensor", "lux",
})  # fmt: skip
_PROBES = (("ext_temperature", "temperature_c", "tC"), ("ext_humidity", "humidity_pct", "hum"))


def wmin_to_wh(value: object) -> float | None:
    """Gen1 `meters[].total`, `counters` and MQTT `energy` topics count watt-minutes."""
    wmin = v.number(value)
    return None if wmin is None else wmin / 60.0


def _object(item: object) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ValueError(f"expected an object, got {type(item).__name__}")
    return item


def _list(payload: Mapping[str, Any], key: str) -> list[Any]:
    items = payload.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise PayloadError(f"Gen1 status: `{key}` should be an array, got {type(items).__name__}")
    return items


def _flags(item: Mapping[str, Any], names: tuple[str, ...], *extra: str | None) -> str | None:
    raised = [name for name in names if v.boolean(item.get(name))]
    return ",".join(dict.fromkeys([*raised, *(e for e in extra if e)])) or None


def _device_temperature(payload: Mapping[str, Any]) -> float | None:
    if payload.get("temperature") is not None:
        return v.number(payload["temperature"])
    tmp = payload.get("tmp")
    return v.number(tmp.get("tC")) if isinstance(tmp, Mapping) and v.valid(tmp) else None


def _meter(meter: object) -> Values:
    """Power and the watt-minute counter of a relay's or light's paired meter."""
    if meter is None:
        return {}
    item = _object(meter)
    power = v.number(item.get("power")) if v.valid(item) else None
    return {"power_w": power, "energy_wh": wmin_to_wh(item.get("total"))}


def _relay(component: str, output: object, meter: object) -> Values:
    item = _object(output)
    flags = _flags(item, _RELAY_FLAGS) if component == "relay" else None
    return {"component": component, "output": v.boolean(item.get("ison")), "errors": flags} | _meter(meter)


def _roller(roller: object, meters: list[Any]) -> Values:
    """2.5 roller mode: one cover row; its energy is both motor meters together."""
    item = _object(roller)
    position = v.number(item.get("current_pos"))
    if position is not None and not 0 <= position <= v.FULL_PCT:
        position = None  # 101 (or -1 on MQTT): not calibrated
    totals = [wmin_to_wh(_object(m).get("total")) for m in meters]
    known = [t for t in totals if t is not None]
    stop_reason = v.text(item.get("stop_reason"))
    return {
        "component": "roller",
        "power_w": v.number(item.get("power")) if v.valid(item) else None,
        "energy_wh": sum(known) if known else None,
        "cover_state": v.text(item.get("state")),
        "cover_pos": position,
        "errors": _flags(item, _ROLLER_FLAGS, None if stop_reason == "normal" else stop_reason),
    }


def _emeter(emeter: object) -> Values:
    """EM / 3EM channels count Wh, not watt-minutes; `total_returned` is the exported energy."""
    item = _object(emeter)
    ok = v.valid(item)
    return {
        "component": "meter",
        "power_w": v.number(item.get("power")) if ok else None,
        "voltage_v": v.number(item.get("voltage")) if ok else None,
        "current_a": v.number(item.get("current")) if ok else None,
        "pf": v.number(item.get("pf")) if ok else None,
        "reactive_power_var": v.number(item.get("reactive")) if ok else None,  # EM only
        "energy_wh": v.number(item.get("total")),
        "returned_energy_wh": v.number(item.get("total_returned")),
    }


Output = tuple[str, int, Any, Callable[[], Values]]  # what, channel, raw item, its column values


def _outputs(payload: Mapping[str, Any], mode: str | None) -> list[Output]:
    """Every output channel, relays and lights paired with meters by index."""
    meters, relays, rollers = _list(payload, "meters"), _list(payload, "relays"), _list(payload, "rollers")
    roller_mode = mode == "roller" if mode else bool(rollers) and not relays
    plan: list[Output] = []
    if roller_mode:
        plan += [(f"rollers[{i}]", i, r, partial(_roller, r, meters)) for i, r in enumerate(rollers)]
    else:
        for i, relay in enumerate(relays):
            meter = meters[i] if i < len(meters) else None
            plan.append((f"relays[{i}]", i, relay, partial(_relay, "relay", relay, meter)))
    for i, light in enumerate(_list(payload, "lights")):
        meter = meters[i] if i < len(meters) else None
        plan.append((f"lights[{i}]", i, light, partial(_relay, "light", light, meter)))
    plan += [(f"emeters[{i}]", i, e, partial(_emeter, e)) for i, e in enumerate(_list(payload, "emeters"))]
    return plan


def _ambient(payload: Mapping[str, Any]) -> Values:
    """H&T, Flood and Motion: the room's temperature, humidity, light, battery and motion."""
    tmp, hum, lux, bat, sensor = (payload.get(k) for k in ("tmp", "hum", "lux", "bat", "sensor"))
    temperature = None
    if isinstance(tmp, Mapping) and v.valid(tmp):
        temperature = v.number(tmp.get("tC"))
        if temperature is None and tmp.get("units", "C") == "C":
            temperature = v.number(tmp.get("value"))
    sensor_ok = isinstance(sensor, Mapping) and v.valid(sensor)
    return {
        "channel": 0,
        "temperature_c": temperature,
        "humidity_pct": v.number(hum.get("value")) if isinstance(hum, Mapping) and v.valid(hum) else None,
        "lux": v.number(lux.get("value")) if isinstance(lux, Mapping) and v.valid(lux) else None,
        "battery_pct": v.number(bat.get("value") if isinstance(bat, Mapping) else bat),
        "battery_v": v.number(v.dig(bat, "voltage")),
        "motion": v.boolean(v.dig(sensor, "motion")) if sensor_ok else None,
        "vibration": v.boolean(v.dig(sensor, "vibration")) if sensor_ok else None,
    }


def _probes(payload: Mapping[str, Any]) -> dict[int, Values]:
    """Add-on probes: `ext_temperature{"0":{"tC":..}}` and `ext_humidity{"0":{"hum":..}}` by channel."""
    channels: dict[int, Values] = {}
    for key, column, field in _PROBES:
        probes = payload.get(key)
        if not isinstance(probes, Mapping):
            continue
        for index, probe in probes.items():
            if not str(index).isdigit():
                raise ValueError(f"{key}: probe index {index!r} is not a number")
            channels.setdefault(int(index), {"channel": int(index)})[column] = v.number(v.dig(probe, field))
    return channels


def has_update(payload: Mapping[str, Any]) -> bool | None:
    """True only when `update.new_version` is a later version than `update.old_version` (a beta,
    `beta_version`, is no update); the device's own `has_update` flag when the versions cannot be read."""
    newer = v.is_newer(v.dig(payload, "update.new_version"), v.dig(payload, "update.old_version"))
    if newer is not None:
        return newer
    flag = v.dig(payload, "update.has_update")
    return v.boolean(flag if flag is not None else payload.get("has_update"))


def _meter_time(payload: Mapping[str, Any], channel: int, ctx: ParseContext) -> datetime | None:
    """The channel's meter `timestamp` (local wall-clock epoch, devices.md 2.3), else the status `unixtime`."""
    meters = payload.get("meters")
    meter = meters[channel] if isinstance(meters, list) and channel < len(meters) else None
    stamp = meter.get("timestamp") if isinstance(meter, Mapping) and v.valid(meter) else None
    try:
        return v.local_epoch(stamp, ctx.local_tz) or ctx.device_ts
    except ValueError:  # an unreadable meter clock is no clock: the status's own, else the receipt time
        return ctx.device_ts


def _device(payload: Mapping[str, Any], firmware: str | None, is_online: bool | None) -> Values:
    return {
        "mac": v.mac(payload.get("mac")),
        "ip": v.text(v.dig(payload, "wifi_sta.ip")),
        "firmware": v.text(v.dig(payload, "update.old_version")) or firmware,
        "uptime_s": v.number(payload.get("uptime")),
        "rssi_dbm": v.number(v.dig(payload, "wifi_sta.rssi")),
        "ssid": v.text(v.dig(payload, "wifi_sta.ssid")),
        "is_online": is_online,
        "cloud_connected": v.boolean(v.dig(payload, "cloud.connected")),
        "mqtt_connected": v.boolean(v.dig(payload, "mqtt.connected")),
        "ram_free_bytes": v.integer(payload.get("ram_free")),
        "has_update": has_update(payload),
    }


def parse_gen1_status(  # noqa: PLR0913 - keyword options of the parse kind
    payload: object,
    ctx: ParseContext,
    *,
    model: str | None = None,
    mode: str | None = None,
    firmware: str | None = None,
    transport: str = "http",
) -> list[ParseResult]:
    """A Gen1 `/status` -> switch_readings, sensor_readings and one device_status row.

    `model` is the `/shelly` `type` (else guessed from the device id), `mode` the 2.5's
    `/settings` mode (`relay`/`roller`; without it, rollers without relays mean roller mode),
    `firmware` the `/shelly` `fw` when the status has no `update.old_version`.
    """
    if not isinstance(payload, Mapping):
        raise PayloadError(f"Gen1 status: expected a JSON object, got {type(payload).__name__}")
    if not _STATUS_KEYS & set(payload):
        keys = ", ".join(f"`{key}`" for key in list(payload)[:8]) or "none"
        raise PayloadError(f"Gen1 status: not a /status answer (top-level keys: {keys}); expected e.g. `mac`, `uptime`")
    model = model or ids.gen1_model_from_id(ctx.device_id)
    ctx = replace(ctx, device_ts=v.readable_clock(payload.get("unixtime")))
    ident: Values = {"generation": 1, "model": model, "transport": transport}
    out = Results()
    ambient = any(key in payload for key in _AMBIENT_KEYS)

    def shared() -> Values:
        # tmp is the room, not the device, on battery sensors
        temperature = None if ambient else _device_temperature(payload)
        return ident | {"temperature_c": temperature, "uptime_s": v.number(payload.get("uptime"))}

    def output_row(channel: int, values: Callable[[], Values]) -> Values:
        # the 2.5 reports one supply voltage for both channels
        row = shared() | {"channel": channel, "voltage_v": v.number(payload.get("voltage"))} | values()
        return row | {"device_ts": _meter_time(payload, channel, ctx)}

    for what, channel, item, values in _outputs(payload, mode):
        out.build(SWITCH_READINGS, ctx, what, item, partial(output_row, channel, values))
    if ambient:
        out.build(SENSOR_READINGS, ctx, "sensors", payload, lambda: ident | _ambient(payload))
    try:
        probes = _probes(payload)
    except ValueError as exc:
        out.reject(SENSOR_READINGS, f"{SENSOR_READINGS} probes: {exc}", payload)
        probes = {}
    for probe in probes.values():
        out.row(SENSOR_READINGS, ctx, ident | probe)
    is_online = True if transport == "http" else None  # a successful poll proves it
    out.build(DEVICE_STATUS, ctx, "device", payload, lambda: ident | _device(payload, firmware, is_online))
    return out.to_list()
