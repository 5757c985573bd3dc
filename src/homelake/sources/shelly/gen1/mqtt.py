"""Shelly Gen1 MQTT topics (`shellies/<id>/...`) to shelly/* rows; one value on a topic, one-value row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.shelly import ids
from homelake.sources.shelly import values as v
from homelake.sources.shelly.gen1.parser import parse_gen1_status, wmin_to_wh
from homelake.sources.shelly.rows import DEVICE_STATUS, EVENTS, SENSOR_READINGS, SWITCH_READINGS, Results

Values = dict[str, Any]


def _relay_state(text: str) -> Values:
    state = text.strip().lower()
    if state not in ("on", "off", "overpower"):
        raise ValueError(f"not a relay state: {text!r}")
    return {"output": state == "on", "errors": "overpower" if state == "overpower" else None}


def _position(text: str) -> Values:
    position = v.number(text)
    # -1 (MQTT) or 101 (HTTP): the roller is not calibrated
    return {"cover_pos": position if position is not None and 0 <= position <= v.FULL_PCT else None}


def _one(column: str, convert: Callable[[Any], Any]) -> Callable[[str], Values]:
    return lambda text: {column: convert(text)}


# Topic tail with channel numbers as `N` -> (dataset, the columns its one value fills).
SINGLE_VALUE_TOPICS: dict[str, tuple[str, Callable[[str], Values]]] = {
    "relay/N": (SWITCH_READINGS, _relay_state),
    "relay/N/power": (SWITCH_READINGS, _one("power_w", v.number)),
    "relay/N/energy": (SWITCH_READINGS, _one("energy_wh", wmin_to_wh)),
    "light/N": (SWITCH_READINGS, _one("output", v.boolean)),
    "light/N/power": (SWITCH_READINGS, _one("power_w", v.number)),
    "light/N/energy": (SWITCH_READINGS, _one("energy_wh", wmin_to_wh)),
    "roller/N": (SWITCH_READINGS, _one("cover_state", v.text)),
    "roller/N/pos": (SWITCH_READINGS, _position),
    "roller/N/power": (SWITCH_READINGS, _one("power_w", v.number)),
    "roller/N/energy": (SWITCH_READINGS, _one("energy_wh", wmin_to_wh)),
    # EM / 3EM: `total` and `total_returned` are Wh counters (the ones `/status` `emeters[]` reports)
    "emeter/N/power": (SWITCH_READINGS, _one("power_w", v.number)),
    "emeter/N/reactive_power": (SWITCH_READINGS, _one("reactive_power_var", v.number)),
    "emeter/N/voltage": (SWITCH_READINGS, _one("voltage_v", v.number)),
    "emeter/N/current": (SWITCH_READINGS, _one("current_a", v.number)),
    "emeter/N/pf": (SWITCH_READINGS, _one("pf", v.number)),
    "emeter/N/total": (SWITCH_READINGS, _one("energy_wh", v.number)),
    "emeter/N/total_returned": (SWITCH_READINGS, _one("returned_energy_wh", v.number)),
    "temperature": (SWITCH_READINGS, _one("temperature_c", v.number)),  # the device's own
    "sensor/temperature": (SENSOR_READINGS, _one("temperature_c", v.number)),
    "sensor/humidity": (SENSOR_READINGS, _one("humidity_pct", v.number)),
    "sensor/battery": (SENSOR_READINGS, _one("battery_pct", v.number)),
    "ext_temperature/N": (SENSOR_READINGS, _one("temperature_c", v.number)),
    "ext_humidity/N": (SENSOR_READINGS, _one("humidity_pct", v.number)),
}

# Known topics that carry nothing for the lake (commands, duplicates in other units, raw inputs).
IGNORED_TOPICS = frozenset({
    "relay/N/command", "relay/N/overpower_value", "light/N/set", "light/N/command", "roller/N/command",
    "roller/N/command/pos", "temperature_f", "overtemperature", "temperature_status", "input/N",
    "longpush/N", "adc/N", "command",
    # EM `energy`/`returned_energy` repeat `total`/`total_returned` in watt-minutes (not kept across reboots)
    "emeter/N/energy", "emeter/N/returned_energy",
})  # fmt: skip


def _shape(tail: str) -> tuple[str, int | None]:
    """`relay/1/power` -> (`relay/N/power`, 1)."""
    parts, channel = [], None
    for part in tail.split("/"):
        if part.isdigit():
            parts.append("N")
            channel = int(part)
        else:
            parts.append(part)
    return "/".join(parts), channel


def _announce(device_id: str | None, payload: bytes, ctx: ParseContext, topic: str) -> list[ParseResult]:
    """`{"id","model","mac","ip","new_fw","fw_ver"}` -> one device_status row."""
    data = v.json_object(payload, topic)
    announced = data.get("id") if isinstance(data.get("id"), str) else None
    device_id = device_id or announced
    if not device_id:
        raise PayloadError(f"{topic}: announce without a device id")
    out = Results()
    values = lambda: {  # noqa: E731
        "generation": 1,
        "model": v.text(data.get("model")) or ids.gen1_model_from_id(device_id),
        "mac": v.mac(data.get("mac")),
        "ip": v.text(data.get("ip")),
        "firmware": v.text(data.get("fw_ver")),
        "has_update": v.boolean(data.get("new_fw")),
        "transport": "mqtt",
    }
    out.build(DEVICE_STATUS, replace(ctx, device_id=device_id), "announce", data, values)
    return out.to_list()


def _motion(data: Mapping[str, Any]) -> Values:
    """Motion `status`: `{"motion","timestamp","active","vibration","lux","bat"}`."""
    return {
        "channel": 0,
        "motion": v.boolean(data.get("motion")),
        "vibration": v.boolean(data.get("vibration")),
        "lux": v.number(data.get("lux")),
        "battery_pct": v.number(data.get("bat")),
    }


def _event(data: Mapping[str, Any], channel: int | None, ctx: ParseContext) -> Values:
    """`input_event/N` `{"event":"S","event_cnt":2}`; Gen1 sends no event time, so it is the receipt's."""
    event = v.text(data.get("event"))
    return {"channel": channel, "component": "input", "event": event, "event_at": ctx.observed_at}


def apply_gen1(  # noqa: PLR0911, PLR0912 - one branch per Gen1 topic, like the firmware's topic list
    device_id: str, tail: str, payload: bytes, ctx: ParseContext, modes: dict[str, str]
) -> list[ParseResult]:
    """One message on `shellies/<device_id>/<tail>`; `modes` remembers relay/roller mode per device."""
    topic = f"shellies/{device_id}/{tail}"
    shape, channel = _shape(tail)
    if shape in IGNORED_TOPICS:
        return []
    ctx = replace(ctx, device_id=device_id)
    ident: Values = {"generation": 1, "model": ids.gen1_model_from_id(device_id), "transport": "mqtt"}
    out = Results()
    if shape in SINGLE_VALUE_TOPICS:
        dataset, convert = SINGLE_VALUE_TOPICS[shape]
        text = v.decode_text(payload, topic)
        group = shape.split("/")[0]
        if group in ("relay", "light", "roller"):
            ident |= {"channel": channel, "component": group}
        elif group == "emeter":  # the component `/status` `emeters[]` rows carry
            ident |= {"channel": channel, "component": "meter"}
        elif dataset == SENSOR_READINGS:
            ident["channel"] = channel if channel is not None else 0
        if group == "roller":  # a 2.5 in roller mode: its `info` is read in roller mode too
            modes[device_id] = "roller"
        elif group == "relay":
            modes.setdefault(device_id, "relay")
        try:
            values = convert(text)
        except ValueError as exc:
            out.reject(dataset, f"{dataset} {shape}: {exc}", payload)
            return out.to_list()
        if all(value is None for value in values.values()):
            return []  # e.g. roller/0/pos -1: nothing known, so no row
        out.row(dataset, ctx, ident | values)
    elif shape == "online":
        text = v.decode_text(payload, topic)
        out.build(DEVICE_STATUS, ctx, shape, payload, lambda: ident | {"is_online": v.boolean(text)})
    elif shape == "announce":
        return _announce(device_id, payload, ctx, topic)
    elif shape == "info":
        data = v.json_object(payload, topic)
        return parse_gen1_status(data, ctx, mode=modes.get(device_id), transport="mqtt")
    elif shape == "status":
        data = v.json_object(payload, topic)
        out.build(SENSOR_READINGS, ctx, shape, data, lambda: ident | _motion(data))
    elif shape == "input_event/N":
        data = v.json_object(payload, topic)
        if data.get("event") in (None, ""):
            return []  # sent with an empty event after boot: nothing happened
        del ident["model"]  # events carry no model column
        out.build(EVENTS, ctx, shape, data, lambda: ident | _event(data, channel, ctx))
    else:
        raise PayloadError(f"unknown Shelly Gen1 topic {topic!r}")
    return out.to_list()


def apply_announce(payload: bytes, ctx: ParseContext) -> list[ParseResult]:
    """`shellies/announce`: the device id is in the payload."""
    return _announce(None, payload, ctx, "shellies/announce")
