"""Shelly MQTT: the topic router and the per-device state that turns Gen2 deltas into full rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.shelly import values as v
from homelake.sources.shelly.gen1.mqtt import apply_announce, apply_gen1
from homelake.sources.shelly.gen2.parser import Gen2Device, status_results
from homelake.sources.shelly.rows import DEVICE_STATUS, EVENTS, Results

_GEN1_TOPIC_PARTS = 3  # shellies/<device id>/<rest of the topic>
_GEN2_STATUS_TOPIC = re.compile(r"(?P<prefix>.+)/status/(?P<component>[a-z0-9_]+(?::\d+)?)")


def overlay(state: dict[str, Any], delta: Mapping[str, Any]) -> None:
    """Apply a NotifyStatus delta in place: nested objects merge, `null` removes the key.

    The delta comes from a freshly decoded frame that nobody else holds, so its values are taken
    over without copying (a deep copy per message was the slowest step of ingestion).
    """
    for key, value in delta.items():
        if value is None:
            state.pop(key, None)
        elif type(value) is dict and type(state.get(key)) is dict:
            overlay(state[key], value)
        else:
            state[key] = value


def _event(ident: dict[str, Any], event: object, ctx: ParseContext) -> dict[str, Any]:
    """`{"component":"input:0","id":0,"event":"single_push","ts":..}` -> one events row."""
    if not isinstance(event, Mapping):
        raise ValueError(f"expected an object, got {type(event).__name__}")
    component = v.text(event.get("component"))
    kind, channel = v.channel_of(component) if component else (None, None)
    name = v.text(event.get("event"))
    if name is None:
        raise ValueError("event without a name")
    channel = v.integer(event["id"]) if event.get("id") is not None else channel
    event_at = v.unix_time(event.get("ts")) or ctx.observed_at
    return ident | {"channel": channel, "component": kind, "event": name, "event_at": event_at}


class ShellyMqtt:
    """Turns Shelly MQTT messages (Gen1 `shellies/...`, Gen2+ `<prefix>/...`) into shelly/* rows.

    Pure apart from its memory: the last full status of each Gen2 device (so a NotifyStatus
    delta becomes complete rows), the Gen2 topic prefix -> device id map (configured or learned
    from frames' `src`), and whether each Gen1 2.5 runs in relay or roller mode.
    """

    def __init__(self, gen2_prefixes: Mapping[str, str] | None = None) -> None:
        self._prefixes: dict[str, str] = dict(gen2_prefixes or {})
        self._status: dict[str, dict[str, Any]] = {}
        self._gen1_modes: dict[str, str] = {}
        self._devices: dict[str, Gen2Device] = {}

    def status_of(self, device_id: str) -> Mapping[str, Any] | None:
        """The last known full status of a Gen2 device (read-only view for callers and tests)."""
        return self._status.get(device_id)

    def apply(self, topic: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        """One message -> rows; unknown topics, broken JSON and invalid UTF-8 raise PayloadError."""
        if topic.endswith("/events/rpc"):
            return self._frame(topic.removesuffix("/events/rpc"), payload, ctx)
        if topic == "shellies/announce":
            return apply_announce(payload, ctx)
        if topic.startswith("shellies/"):
            parts = topic.split("/", 2)
            if len(parts) == _GEN1_TOPIC_PARTS and parts[1] and parts[2]:
                return apply_gen1(parts[1], parts[2], payload, ctx, self._gen1_modes)
            raise PayloadError(f"unknown Shelly Gen1 topic {topic!r}")
        if topic.endswith("/online") and len(topic) > len("/online"):
            return self._online(topic.removesuffix("/online"), payload, ctx)
        if match := _GEN2_STATUS_TOPIC.fullmatch(topic):
            return self._component(match["prefix"], match["component"], payload, ctx)
        raise PayloadError(f"unknown Shelly topic {topic!r}")

    def _device(self, device_id: str) -> Gen2Device:
        device = self._devices.get(device_id)
        if device is None:
            device = self._devices[device_id] = Gen2Device.from_info(device_id)
        return device

    def _frame(self, prefix: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        topic = f"{prefix}/events/rpc"
        frame = v.json_object(payload, topic)
        src, method, params = frame.get("src"), frame.get("method"), frame.get("params")
        if not isinstance(src, str) or not src:
            raise PayloadError(f"{topic}: RPC frame without a `src` device id")
        if not isinstance(params, Mapping):
            raise PayloadError(f"{topic}: {method} frame without `params` object")
        self._prefixes[prefix] = src
        try:
            observed_at = v.unix_time(params.get("ts")) or ctx.observed_at
            device_ts = v.device_clock(params.get("ts"))
        except ValueError as exc:
            raise PayloadError(f"{topic}: bad `ts`: {exc}") from None
        ctx = replace(ctx, device_id=src, observed_at=observed_at, device_ts=device_ts)
        body = {key: value for key, value in params.items() if key != "ts"}
        uptime = v.dig(body, "sys.uptime")
        if method == "NotifyFullStatus":
            self._status[src] = body  # freshly decoded, owned from here on
            return status_results(self._status[src], ctx, self._device(src), transport="mqtt", uptime=uptime)
        if method == "NotifyStatus":
            state = self._status.setdefault(src, {})
            overlay(state, body)
            device = self._device(src)
            return status_results(state, ctx, device, transport="mqtt", components=list(body), uptime=uptime)
        if method == "NotifyEvent":
            events = params.get("events")
            if not isinstance(events, list):
                raise PayloadError(f"{topic}: NotifyEvent without an `events` array")
            ident = {"generation": self._device(src).generation, "transport": "mqtt"}
            out = Results()
            for index, event in enumerate(events):
                out.build(EVENTS, ctx, f"events[{index}]", event, partial(_event, ident, event, ctx))
            return out.to_list()
        raise PayloadError(f"{topic}: unknown notification method {method!r}")

    def _online(self, prefix: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        device_id = self._prefixes.get(prefix, prefix)  # the prefix defaults to the device id
        text = v.decode_text(payload, f"{prefix}/online")
        device = self._device(device_id)
        out = Results()
        values = lambda: {"generation": device.generation, "transport": "mqtt", "is_online": v.boolean(text)}  # noqa: E731
        out.build(DEVICE_STATUS, replace(ctx, device_id=device_id), "online", payload, values)
        return out.to_list()

    def _component(self, prefix: str, component: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        """`<prefix>/status/<component:id>` carries that component's full status."""
        data = v.json_object(payload, f"{prefix}/status/{component}")
        device_id = self._prefixes.get(prefix, prefix)
        state = self._status.setdefault(device_id, {})
        state[component] = dict(data)
        uptime = data.get("uptime") if component == "sys" else None
        clock = v.readable_clock(data.get("unixtime")) if component == "sys" else None
        ctx = replace(ctx, device_id=device_id, device_ts=clock)
        return status_results(
            state, ctx, self._device(device_id), transport="mqtt", components=[component], uptime=uptime
        )
