"""Zigbee2MQTT messages: locks, sensors, availability (both payload forms), ignored and bad topics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pytest

from homelake.sources import DATASETS
from homelake.sources import PARSE_KINDS as KINDS
from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.zigbee import ZigbeeMqtt
from homelake.sources.zigbee.parser import AVAILABILITY, LOCK_EVENTS, SENSOR_READINGS

OBSERVED_AT = datetime(2024, 5, 29, 16, 30, tzinfo=UTC)
ORIGIN = {"observed_at", "received_at", "family", "device_id", "collector"}
LOCK = {
    "state": "UNLOCK",
    "lock_state": "unlocked",
    "action": "unlock",
    "action_source": 0,
    "action_source_name": "keypad",
    "action_user": 3,
    "battery": 87,
    "linkquality": 96,
}


def ctx() -> ParseContext:
    return ParseContext("zigbee", "ingester", "test", OBSERVED_AT, OBSERVED_AT, UTC)


def check(results: list[ParseResult]) -> None:
    for result in results:
        schema = DATASETS[result.dataset].schema
        assert all(list(row) == schema.names for row in result.rows)
        pa.Table.from_pylist(result.rows, schema=schema)


def send(topic: str, payload: Any) -> list[ParseResult]:
    body = payload.encode() if isinstance(payload, str) else orjson.dumps(payload)
    results = ZigbeeMqtt().apply(topic, body, ctx())
    check(results)
    return results


def only_row(results: list[ParseResult], dataset: str) -> dict[str, Any]:
    (result,) = results
    assert result.dataset == dataset and not result.rejects
    (row,) = result.rows
    return row


def values(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ORIGIN}


def test_lock_message() -> None:
    row = only_row(send("zigbee2mqtt/front_door_lock", LOCK), LOCK_EVENTS)
    assert row["device_id"] == "front_door_lock" and row["observed_at"] == OBSERVED_AT
    assert values(row) == {
        "state": "UNLOCK",
        "lock_state": "unlocked",
        "action": "unlock",
        "action_source_name": "keypad",
        "action_user": 3,
        "battery_pct": 87.0,
        "linkquality": 96,
    }


def test_empty_action_after_an_action_is_not_an_event() -> None:
    row = only_row(send("zigbee2mqtt/front_door_lock", dict(LOCK, action="")), LOCK_EVENTS)
    assert row["action"] is None and row["state"] == "UNLOCK"


def test_lock_recognised_by_lock_state_alone() -> None:
    row = only_row(send("zigbee2mqtt/side_door", {"lock_state": "not_fully_locked", "battery": 40}), LOCK_EVENTS)
    assert (row["lock_state"], row["state"], row["battery_pct"]) == ("not_fully_locked", None, 40.0)


def test_temperature_humidity_sensor_with_slash_in_name() -> None:
    payload = {
        "temperature": 27.34,
        "humidity": 44.72,
        "pressure": 1008.3,
        "battery": 91,
        "voltage": 3005,
        "linkquality": 120,
    }
    row = only_row(send("zigbee2mqtt/living room/climate", payload), SENSOR_READINGS)
    assert row["device_id"] == "living room/climate"
    assert values(row) == {
        "temperature_c": 27.34,
        "humidity_pct": 44.72,
        "pressure_hpa": 1008.3,
        "illuminance_lux": None,
        "occupancy": None,
        "contact": None,
        "battery_pct": 91.0,
        "voltage_mv": 3005.0,
        "linkquality": 120,
    }


def test_motion_and_illuminance_forms() -> None:
    both = {"occupancy": True, "illuminance_lux": 14, "illuminance": 2345}  # Z2M 1.x: raw + lux
    row = only_row(send("zigbee2mqtt/hall_motion", both), SENSOR_READINGS)
    assert (row["occupancy"], row["illuminance_lux"]) == (True, 14.0)
    row = only_row(send("zigbee2mqtt/hall_motion", {"occupancy": False, "illuminance": 30}), SENSOR_READINGS)
    assert (row["occupancy"], row["illuminance_lux"]) == (False, 30.0)  # Z2M 2.x: illuminance is lux


def test_contact_sensor() -> None:
    row = only_row(send("zigbee2mqtt/garage/door", {"contact": False, "battery": 100}), SENSOR_READINGS)
    assert row["contact"] is False and row["device_id"] == "garage/door"


@pytest.mark.parametrize(
    ("payload", "online"),
    [("online", True), ("offline", False), ('{"state":"online"}', True), ('{"state":"offline"}', False)],
)
def test_availability_both_payload_forms(payload: str, online: bool) -> None:
    row = only_row(send("zigbee2mqtt/garage/door/availability", payload), AVAILABILITY)
    assert row["device_id"] == "garage/door" and row["is_online"] is online


@pytest.mark.parametrize(
    "topic",
    [
        "zigbee2mqtt/bridge/state",
        "zigbee2mqtt/bridge/devices",
        "zigbee2mqtt/front_door_lock/set",
        "zigbee2mqtt/front_door_lock/get",
    ],
)
def test_bridge_and_command_topics_are_ignored(topic: str) -> None:
    assert send(topic, '{"state":"LOCK"}') == []


def test_message_without_known_fields_makes_no_row() -> None:
    assert send("zigbee2mqtt/button", {"action": ""}) == []
    assert send("zigbee2mqtt/plug", {"power": 10.5, "state": "ON"}) == []


def test_button_action_is_not_a_lock() -> None:
    row = only_row(send("zigbee2mqtt/button", {"action": "single", "battery": 90}), SENSOR_READINGS)
    assert row["battery_pct"] == 90.0


def test_bad_value_rejects_the_message() -> None:
    (result,) = ZigbeeMqtt().apply("zigbee2mqtt/t", b'{"temperature":"hot"}', ctx())
    assert result.rows == [] and "temperature" in result.rejects[0].reason
    assert result.rejects[0].payload == b'{"temperature":"hot"}'
    (result,) = ZigbeeMqtt().apply("zigbee2mqtt/t/availability", b"maybe", ctx())
    assert result.rows == [] and result.rejects


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("zigbee2mqtt/t", b"{broken", "not valid JSON"),
        ("zigbee2mqtt/t", b"[1]", "expected a JSON object"),
        ("zigbee2mqtt/t", b"\xff", "not valid UTF-8"),
        ("homeassistant/sensor/x", b"{}", "unknown Zigbee2MQTT topic"),
        ("zigbee2mqtt/", b"{}", "unknown Zigbee2MQTT topic"),
    ],
)
def test_bad_messages_raise_payload_error(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        ZigbeeMqtt().apply(topic, payload, ctx())


def test_custom_base_topic() -> None:
    (result,) = ZigbeeMqtt("z2m").apply("z2m/t", b'{"temperature": 20}', ctx())
    assert result.rows[0]["temperature_c"] == 20.0


def test_zigbee_mqtt_parse_kind() -> None:
    messages = [
        {"topic": "zigbee2mqtt/front_door_lock/availability", "payload": "online"},
        {"topic": "zigbee2mqtt/front_door_lock", "payload": LOCK},
        {"topic": "zigbee2mqtt/front_door_lock", "payload": dict(LOCK, action="")},
        {"topic": "zigbee2mqtt/bridge/state", "payload": {"state": "online"}},
        {"topic": "zigbee2mqtt/kitchen/climate", "payload": {"temperature": 21.5, "humidity": 40}},
    ]
    results = KINDS["zigbee-mqtt"].run(orjson.dumps(messages), ctx())
    check(results)
    assert [(r.dataset, len(r.rows)) for r in results] == [
        (AVAILABILITY, 1),
        (LOCK_EVENTS, 1),
        (LOCK_EVENTS, 1),
        (SENSOR_READINGS, 1),
    ]
    assert [r.rows[0]["action"] for r in results if r.dataset == LOCK_EVENTS] == ["unlock", None]


def test_odd_json_values_do_not_crash() -> None:
    assert send("zigbee2mqtt/t", {"state": {"nested": 1}, "action": ["x"]}) == []
