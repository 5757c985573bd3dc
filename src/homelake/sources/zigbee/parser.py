"""Pure parser: Zigbee2MQTT messages (`zigbee2mqtt/<friendly name>[/availability]`) to zigbee/* rows."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.zigbee.datasets import ZIGBEE_AVAILABILITY, ZIGBEE_LOCK_EVENTS, ZIGBEE_SENSOR_READINGS

LOCK_EVENTS = ZIGBEE_LOCK_EVENTS.key
SENSOR_READINGS = ZIGBEE_SENSOR_READINGS.key
AVAILABILITY = ZIGBEE_AVAILABILITY.key

# Z2M lock `action` enum (zigbee-herdsman-converters): these mark a message as a lock's.
LOCK_ACTIONS = frozenset({
    "unknown", "lock", "unlock", "lock_failure_invalid_pin_or_id", "lock_failure_invalid_schedule",
    "unlock_failure_invalid_pin_or_id", "unlock_failure_invalid_schedule", "one_touch_lock", "key_lock",
    "key_unlock", "auto_lock", "schedule_lock", "schedule_unlock", "manual_lock", "manual_unlock",
    "non_access_user_operational_event",
})  # fmt: skip
_LOCK_STATES = frozenset({"LOCK", "UNLOCK"})
_COMMAND_SUFFIXES = ("/set", "/get")  # requests to the device, not its state


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not math.isfinite(result):
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _integer(value: object) -> int | None:
    result = _number(value)
    if result is not None and not result.is_integer():
        raise ValueError(f"not an integer: {value!r}")
    return None if result is None else int(result)


def _boolean(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"not a boolean: {value!r}")


def _text(value: object) -> str | None:
    """A string; `""` (e.g. the `action` reset right after an action) counts as absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


Column = tuple[str, tuple[str, ...], Callable[[Any], Any]]  # (column, keys tried in order, convert)

LOCK_COLUMNS: tuple[Column, ...] = (
    ("state", ("state",), _text),
    ("lock_state", ("lock_state",), _text),
    ("action", ("action",), _text),
    ("action_source_name", ("action_source_name",), _text),
    ("action_user", ("action_user",), _integer),
    ("battery_pct", ("battery",), _number),
    ("linkquality", ("linkquality",), _integer),
)

SENSOR_COLUMNS: tuple[Column, ...] = (
    ("temperature_c", ("temperature",), _number),
    ("humidity_pct", ("humidity",), _number),
    ("pressure_hpa", ("pressure",), _number),
    # Z2M 1.x sent a raw `illuminance` beside `illuminance_lux`; 2.x sends lux as `illuminance`.
    ("illuminance_lux", ("illuminance_lux", "illuminance"), _number),
    ("occupancy", ("occupancy",), _boolean),
    ("contact", ("contact",), _boolean),  # true = closed
    ("battery_pct", ("battery",), _number),
    ("voltage_mv", ("voltage",), _number),
    ("linkquality", ("linkquality",), _integer),
)


def _columns(columns: tuple[Column, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, keys, convert in columns:
        key = next((k for k in keys if data.get(k) is not None), keys[0])
        try:
            values[name] = convert(data.get(key))
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return values


def is_lock(data: Mapping[str, Any]) -> bool:
    """A lock's message: `state` LOCK/UNLOCK, a `lock_state`, or a lock `action`."""
    state, action = data.get("state"), data.get("action")
    return (
        (isinstance(state, str) and state in _LOCK_STATES)
        or data.get("lock_state") is not None
        or (isinstance(action, str) and action in LOCK_ACTIONS)
    )


def _online(text: str) -> bool:
    """Legacy plain `online`/`offline`, or Z2M 2.x JSON `{"state":"online"}`."""
    value = text.strip()
    if value.startswith("{"):
        try:
            value = json.loads(value).get("state")
        except (json.JSONDecodeError, AttributeError):
            raise ValueError(f"not an availability payload: {text!r}") from None
    if value not in ("online", "offline"):
        raise ValueError(f"not an availability state: {value!r}")
    return value == "online"


class ZigbeeMqtt:
    """Routes Zigbee2MQTT messages under `base_topic`; the device id is the friendly name."""

    def __init__(self, base_topic: str = "zigbee2mqtt") -> None:
        self.base_topic = base_topic.rstrip("/")

    def apply(self, topic: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        """One message -> rows; bridge topics and commands give []; bad payloads raise PayloadError."""
        prefix = f"{self.base_topic}/"
        if not topic.startswith(prefix) or topic == prefix:
            raise PayloadError(f"unknown Zigbee2MQTT topic {topic!r} (base topic is {self.base_topic!r})")
        name = topic.removeprefix(prefix)
        if name == "bridge" or name.startswith("bridge/") or name.endswith(_COMMAND_SUFFIXES):
            return []
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError(f"{topic}: payload is not valid UTF-8") from None
        if name.endswith("/availability"):
            device = name.removesuffix("/availability")
            return [self._row(AVAILABILITY, ctx, device, payload, lambda: {"is_online": _online(text)})]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"{topic}: payload is not valid JSON ({exc})") from None
        if not isinstance(data, Mapping):
            raise PayloadError(f"{topic}: expected a JSON object, got {type(data).__name__}")
        dataset, columns = (LOCK_EVENTS, LOCK_COLUMNS) if is_lock(data) else (SENSOR_READINGS, SENSOR_COLUMNS)
        result = self._row(dataset, ctx, name, payload, lambda: _columns(columns, data))
        # a message with none of our fields (a plug's power, a button's `action: ""`) makes no row
        if result.rows and all(result.rows[0][c[0]] is None for c in columns):
            return []
        return [result]

    @staticmethod
    def _row(
        dataset: str, ctx: ParseContext, device: str, payload: bytes, values: Callable[[], dict[str, Any]]
    ) -> ParseResult:
        result = ParseResult(dataset)
        try:
            result.rows.append(replace(ctx, device_id=device).origin() | values())
        except ValueError as exc:
            result.rejects.append(Reject(f"{dataset} {device}: {exc}", payload))
        return result
