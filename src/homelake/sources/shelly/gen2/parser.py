"""Pure parser: a Shelly Gen2+ `Shelly.GetStatus` (bare result or JSON-RPC envelope) to shelly/* rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from homelake.sources.base import UNNAMED_DEVICE, ParseContext, ParseResult, PayloadError
from homelake.sources.shelly import ids
from homelake.sources.shelly import values as v
from homelake.sources.shelly.gen2.meters import COUNTERS, METER_KINDS, meter_rows
from homelake.sources.shelly.rows import DEVICE_STATUS, SENSOR_READINGS, SWITCH_READINGS, Results

Values = dict[str, Any]
Columns = tuple[tuple[str, str, Callable[[Any], Any]], ...]  # (column, path in the component, convert)


def has_update(available: object, installed: str | None) -> bool | None:
    """True only when `sys.available_updates` offers a *stable* version newer than the installed one.

    `{}` is up to date; a `beta` alone is no update; an offered stable equal to or older than the
    installed version is none either. Without the installed version (an MQTT status carries none) the
    device's own offer is trusted: it lists versions newer than its own.
    """
    if available is None:
        return None
    if not isinstance(available, Mapping):
        raise ValueError(f"available_updates: expected an object, got {type(available).__name__}")
    offered = v.dig(available, "stable.version")
    if offered is None:
        return False
    newer = v.is_newer(offered, installed) if installed else None
    return True if newer is None else newer


_METERED: Columns = (
    ("power_w", "apower", v.number),
    ("voltage_v", "voltage", v.number),
    ("current_a", "current", v.number),
    ("pf", "pf", v.number),
    ("freq_hz", "freq", v.number),
    ("energy_wh", "aenergy.total", v.number),  # Wh; `by_minute` is mWh per minute, not a counter
    ("returned_energy_wh", "ret_aenergy.total", v.number),
    ("temperature_c", "temperature.tC", v.number),
    ("errors", "errors", v.errors),
)
_OUTPUT: Columns = (("output", "output", v.boolean),)

# Component type -> its switch_readings columns; the component name is the type.
OUTPUT_COMPONENTS: dict[str, Columns] = {
    "switch": _OUTPUT + _METERED,
    "light": _OUTPUT + _METERED,
    "pm1": _METERED,
    "cover": (*_METERED, ("cover_state", "state", v.text), ("cover_pos", "current_pos", v.number)),
}

# Component types that share one sensor_readings row per id (Plus/Gen3 H&T: temperature:0, ...).
SENSOR_COMPONENTS: dict[str, Columns] = {
    "temperature": (("temperature_c", "tC", v.number),),
    "humidity": (("humidity_pct", "rh", v.number),),
    "devicepower": (("battery_pct", "battery.percent", v.number), ("battery_v", "battery.V", v.number)),
    "illuminance": (("lux", "lux", v.number),),  # Wall Display, Plus/Gen3 motion and door sensors
}

# Singleton components that make up the device_status row.
DEVICE_COMPONENTS: dict[str, Columns] = {
    "sys": (
        ("mac", "mac", v.mac),
        ("ram_free_bytes", "ram_free", v.integer),
    ),
    "wifi": (("ip", "sta_ip", v.text), ("rssi_dbm", "rssi", v.number), ("ssid", "ssid", v.text)),
    "cloud": (("cloud_connected", "connected", v.boolean),),
    "mqtt": (("mqtt_connected", "connected", v.boolean),),
}


@dataclass(frozen=True)
class Gen2Device:
    """Who a status belongs to: the device id (`shellypro4pm-aabbccddeeff`) and what it is."""

    device_id: str
    generation: int | None = None
    model: str | None = None
    firmware: str | None = None

    @classmethod
    def from_info(cls, device_id: str, info: Mapping[str, Any] | None = None) -> Gen2Device:
        """From `Shelly.GetDeviceInfo` when given; the generation falls back to the id's shape."""
        info = info or {}
        try:
            generation = v.integer(info.get("gen"))
            model, firmware = v.text(info.get("model")), v.text(info.get("ver")) or v.text(info.get("fw_id"))
        except ValueError as exc:
            raise PayloadError(f"Gen2 device info: {exc}") from None
        return cls(device_id, generation or ids.gen2_generation_from_id(device_id), model, firmware)


def unwrap(payload: object) -> tuple[Mapping[str, Any], str | None]:
    """(status, envelope src) from a bare result or `{"id","src","result"|"error"}`."""
    if not isinstance(payload, Mapping):
        raise PayloadError(f"Gen2 status: expected a JSON object, got {type(payload).__name__}")
    if not ("id" in payload or "src" in payload) or not ("result" in payload or "error" in payload):
        return payload, None
    src = payload.get("src") if isinstance(payload.get("src"), str) else None
    if payload.get("error") is not None:
        error = payload["error"]
        raise PayloadError(f"Gen2 RPC error {v.dig(error, 'code')}: {v.dig(error, 'message')} (from {src})")
    result = payload.get("result")
    if not isinstance(result, Mapping):
        raise PayloadError(f"Gen2 RPC result: expected an object, got {type(result).__name__}")
    return result, src


def _columns(table: Columns, item: object) -> Values:
    if not isinstance(item, Mapping):
        raise ValueError(f"expected an object, got {type(item).__name__}")
    return {column: convert(v.dig(item, path)) for column, path, convert in table}


def _output(ident: Values, kind: str, channel: int, item: object, uptime: object) -> Values:
    values = ident | {"channel": channel, "component": kind, "uptime_s": v.number(uptime)}
    return values | _columns(OUTPUT_COMPONENTS[kind], item)


def _meter(out: Results, ctx: ParseContext, status: Mapping[str, Any], ident: Values, meter: tuple[str, int]) -> None:
    """One switch_readings row per phase or channel of an energy meter (gen2/meters.py)."""
    kind, index = meter
    keys = (f"{kind}:{index}", f"{COUNTERS[kind]}:{index}")
    item = {key: status.get(key) for key in keys}
    for component, channel, values in meter_rows(status, kind, index):
        row = partial(_meter_row, ident, component, channel, values)
        out.build(SWITCH_READINGS, ctx, f"{keys[0]} channel {channel}", item, row)


def _meter_row(ident: Values, component: str, channel: int, values: Callable[[], Values]) -> Values:
    return ident | {"channel": channel, "component": component} | values()


def _sensor(ident: Values, status: Mapping[str, Any], channel: int) -> Values:
    values = ident | {"channel": channel}
    for kind, table in SENSOR_COMPONENTS.items():
        item = status.get(f"{kind}:{channel}")
        values |= _columns(table, item) if item is not None else {}
    return values


def _device(ident: Values, status: Mapping[str, Any], extra: Values, uptime: object) -> Values:
    values = ident | extra | {"uptime_s": v.number(uptime)}
    for kind, table in DEVICE_COMPONENTS.items():
        item = status.get(kind)
        values |= _columns(table, item) if item is not None else {}
    values["has_update"] = has_update(v.dig(status, "sys.available_updates"), extra.get("firmware"))
    return values


def status_results(  # noqa: PLR0913 - keyword options: what the caller knows about the status
    status: Mapping[str, Any],
    ctx: ParseContext,
    device: Gen2Device,
    *,
    transport: str,
    is_online: bool | None = None,
    components: Collection[str] | None = None,
    uptime: object = None,
) -> list[ParseResult]:
    """Rows for `components` of a full status (all when None); `ctx` already names the device.

    `uptime` is `sys.uptime` only when this very payload carried it, so that a reboot shows.
    """
    ident: Values = {"generation": device.generation, "model": device.model, "transport": transport}
    out = Results()
    keys = list(status) if components is None else [key for key in components if key in status]
    sensor_channels: list[int] = []
    meters: list[tuple[str, int]] = []  # (meter kind, index) in first-seen order
    has_device_part = False
    for key in keys:
        try:
            kind, channel = v.channel_of(key)
        except ValueError as exc:
            out.reject(SWITCH_READINGS, f"Gen2 status: {exc}", {key: status[key]})
            continue
        if kind in OUTPUT_COMPONENTS and channel is not None:
            values = partial(_output, ident, kind, channel, status[key], uptime)
            out.build(SWITCH_READINGS, ctx, key, status[key], values)
        elif kind in METER_KINDS and channel is not None:
            meter = (kind if kind in COUNTERS else next(m for m, c in COUNTERS.items() if c == kind), channel)
            meters += [meter] if meter not in meters else []
        elif kind in SENSOR_COMPONENTS and channel is not None and channel not in sensor_channels:
            sensor_channels.append(channel)
        elif kind in DEVICE_COMPONENTS:
            has_device_part = True
    for meter in meters:
        _meter(out, ctx, status, ident | {"uptime_s": v.number(uptime)}, meter)
    for channel in sensor_channels:
        parts = {key: status.get(key) for key in (f"{kind}:{channel}" for kind in SENSOR_COMPONENTS)}
        out.build(SENSOR_READINGS, ctx, f"sensors:{channel}", parts, partial(_sensor, ident, status, channel))
    if has_device_part:
        extra = {"firmware": device.firmware, "is_online": is_online}
        parts = {kind: status.get(kind) for kind in DEVICE_COMPONENTS}
        out.build(DEVICE_STATUS, ctx, "device", parts, partial(_device, ident, status, extra, uptime))
    return out.to_list()


_COMPONENT_KEY = re.compile(r"[a-z][a-z0-9_]*:\d+")
_SYS_IDENTITY = ("id", "gen", "model", "ver", "fw_id")  # the Wall Display's `sys` repeats its device info


def check_shape(status: Mapping[str, Any]) -> None:
    """A status has `sys` or `<component>:<id>` keys; anything else (`{"foo": 1}`, a dump of several
    calls) is a PayloadError rather than zero rows that look like success."""
    if "sys" in status or any(isinstance(key, str) and _COMPONENT_KEY.fullmatch(key) for key in status):
        return
    keys = ", ".join(f"`{key}`" for key in list(status)[:8]) or "none"
    wrapped = [key for key, value in status.items() if isinstance(value, Mapping) and "sys" in value]
    hint = f"; it wraps a status under `{wrapped[0]}`: save that part alone" if wrapped else ""
    raise PayloadError(
        f"Gen2 status: not a Shelly.GetStatus result (top-level keys: {keys}); "
        f"expected `sys` and `<component>:<id>` keys{hint}"
    )


def sys_identity(status: Mapping[str, Any]) -> dict[str, Any]:
    """Device info a bare status carries itself: `sys.id`/`model`/`gen`/`ver` where present (Wall
    Display), else the id from `sys.mac` (12 lowercase hex digits: the MAC part of a Gen2 id)."""
    sys = status.get("sys")
    if not isinstance(sys, Mapping):
        return {}
    info = {key: sys[key] for key in _SYS_IDENTITY if sys.get(key) is not None}
    if not isinstance(info.get("id"), str) or not info["id"]:
        try:
            mac = v.mac(sys.get("mac"))
        except ValueError:
            mac = None  # the device_status row rejects it with the reason
        info.pop("id", None)
        info |= {"id": mac.replace(":", "")} if mac else {}
    return info


def parse_gen2_status(
    payload: object, ctx: ParseContext, *, device_info: Mapping[str, Any] | None = None, transport: str = "http"
) -> list[ParseResult]:
    """A `Shelly.GetStatus` answer -> switch_readings, sensor_readings and device_status rows.

    The device id is `device_info["id"]`, else the envelope's `src`, else `sys.id`, else
    `ctx.device_id`, unless that is `homelake parse`'s placeholder: then the MAC in `sys.mac`.
    The generation is the device info's `gen`, else read from the id, else 2: a `Shelly.GetStatus`
    answer comes from a Gen2 or later device. An error envelope, or a body that is not a status,
    raises PayloadError.
    """
    status, src = unwrap(payload)
    check_shape(status)
    own = sys_identity(status)
    info = own | dict(device_info or {})
    info_id = (device_info or {}).get("id")
    own_id = own.get("id")
    if isinstance(info_id, str) and info_id:
        device_id = info_id
    elif src:
        device_id = src
    elif isinstance(own_id, str) and (ctx.device_id == UNNAMED_DEVICE or "id" in (status.get("sys") or {})):
        device_id = own_id  # a MAC-derived id never overrides a device the caller named
    else:
        device_id = ctx.device_id
    device = Gen2Device.from_info(device_id, info)
    if device.generation is None:
        device = replace(device, generation=ids.FIRST_RPC_GEN)
    return status_results(
        status,
        replace(ctx, device_id=device_id),
        device,
        transport=transport,
        is_online=True if transport == "http" else None,  # a successful poll proves it
        uptime=v.dig(status, "sys.uptime"),
    )
