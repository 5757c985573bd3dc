"""Shelly Gen1 MQTT topics: one-value rows, watt-minutes, announce/online/info, input events."""

from __future__ import annotations

from typing import Any

import pytest

from homelake.sources.shelly import ShellyMqtt
from homelake.sources.shelly.rows import DEVICE_STATUS, EVENTS, SENSOR_READINGS, SWITCH_READINGS
from tests.sources.shelly.support import OBSERVED_AT, load, make_ctx, rows, send, values

PLUG = "shellies/shellyplug-s-C18B12"


def test_gen1_relay_energy_is_watt_minutes_and_row_holds_only_that_value() -> None:
    (row,) = rows(send(ShellyMqtt(), f"{PLUG}/relay/0/energy", "183240"), SWITCH_READINGS)
    assert values(row) == {
        "generation": 1,
        "model": "SHPLG-S",
        "channel": 0,
        "component": "relay",
        "energy_wh": 3054.0,
        "transport": "mqtt",
    }
    assert row["device_id"] == "shellyplug-s-C18B12" and row["observed_at"] == OBSERVED_AT


def test_gen1_single_values_do_not_repeat_stale_ones() -> None:
    router = ShellyMqtt()
    send(router, f"{PLUG}/relay/0/power", "41.70")
    (row,) = rows(send(router, f"{PLUG}/relay/0", "off"), SWITCH_READINGS)
    assert row["output"] is False and row["power_w"] is None


@pytest.mark.parametrize(
    ("tail", "payload", "expected"),
    [
        ("relay/1", "on", {"channel": 1, "component": "relay", "output": True}),
        (
            "relay/0",
            "overpower",
            {"channel": 0, "component": "relay", "output": False, "errors": "overpower"},
        ),
        ("relay/0/power", "41.70", {"channel": 0, "component": "relay", "power_w": 41.7}),
        ("light/0", "on", {"channel": 0, "component": "light", "output": True}),
        ("light/0/power", "6.47", {"channel": 0, "component": "light", "power_w": 6.47}),
        ("light/0/energy", "9420", {"channel": 0, "component": "light", "energy_wh": 157.0}),
        ("roller/0", "close", {"channel": 0, "component": "roller", "cover_state": "close"}),
        ("roller/0/pos", "62", {"channel": 0, "component": "roller", "cover_pos": 62.0}),
        ("roller/0/power", "93.47", {"channel": 0, "component": "roller", "power_w": 93.47}),
        ("roller/0/energy", "8730", {"channel": 0, "component": "roller", "energy_wh": 145.5}),
        ("temperature", "31.20", {"temperature_c": 31.2}),
    ],
)
def test_gen1_switch_topics(tail: str, payload: str, expected: dict[str, Any]) -> None:
    (row,) = rows(send(ShellyMqtt(), f"{PLUG}/{tail}", payload), SWITCH_READINGS)
    assert values(row) == {"generation": 1, "model": "SHPLG-S", "transport": "mqtt"} | expected


def test_gen1_uncalibrated_roller_position_makes_no_row() -> None:
    assert send(ShellyMqtt(), "shellies/shellyswitch25-485519032A7F/roller/0/pos", "-1") == []


@pytest.mark.parametrize(
    ("tail", "payload", "expected"),
    [
        ("sensor/temperature", "22.40", {"temperature_c": 22.4}),
        ("sensor/humidity", "51.0", {"humidity_pct": 51.0}),
        ("sensor/battery", "87", {"battery_pct": 87.0}),
    ],
)
def test_gen1_ht_sensor_topics(tail: str, payload: str, expected: dict[str, Any]) -> None:
    (row,) = rows(send(ShellyMqtt(), f"shellies/shellyht-7890ED/{tail}", payload), SENSOR_READINGS)
    assert values(row) == {"generation": 1, "model": "SHHT-1", "channel": 0, "transport": "mqtt"} | expected


def test_gen1_motion_status_json() -> None:
    payload = {
        "motion": True,
        "timestamp": 1717000010,
        "active": True,
        "vibration": False,
        "lux": 78,
        "bat": 93,
    }
    (row,) = rows(send(ShellyMqtt(), "shellies/shellymotionsensor-A1B2C3/status", payload), SENSOR_READINGS)
    assert (row["motion"], row["vibration"], row["lux"], row["battery_pct"]) == (True, False, 78.0, 93.0)


@pytest.mark.parametrize(("payload", "online"), [("true", True), ("false", False)])
def test_gen1_online(payload: str, online: bool) -> None:
    (row,) = rows(send(ShellyMqtt(), f"{PLUG}/online", payload), DEVICE_STATUS)
    assert values(row) == {"generation": 1, "model": "SHPLG-S", "is_online": online, "transport": "mqtt"}


def test_gen1_announce_on_device_and_broadcast_topics() -> None:
    announce = {
        "id": "shellyplug-s-C18B12",
        "model": "SHPLG-S",
        "mac": "84F3EBC18B12",
        "ip": "192.168.1.51",
        "new_fw": True,
        "fw_ver": "20230913-113421/v1.14.0-gcb84623",
    }
    for topic in (f"{PLUG}/announce", "shellies/announce"):
        (row,) = rows(send(ShellyMqtt(), topic, announce), DEVICE_STATUS)
        assert row["device_id"] == "shellyplug-s-C18B12"
        assert values(row) == {
            "generation": 1,
            "model": "SHPLG-S",
            "mac": "84:f3:eb:c1:8b:12",
            "ip": "192.168.1.51",
            "firmware": "20230913-113421/v1.14.0-gcb84623",
            "has_update": True,
            "transport": "mqtt",
        }


def test_gen1_info_is_read_like_status() -> None:
    results = send(ShellyMqtt(), f"{PLUG}/info", load("SHPLG-S_v1.14.0_status.json"))
    (switch,) = rows(results, SWITCH_READINGS)
    assert (switch["energy_wh"], switch["transport"], switch["model"]) == (3054.0, "mqtt", "SHPLG-S")
    assert switch["device_id"] == "shellyplug-s-C18B12"
    assert len(rows(results, DEVICE_STATUS)) == 1


def test_gen1_info_of_a_25_uses_the_mode_seen_on_its_topics() -> None:
    router = ShellyMqtt()
    device = "shellies/shellyswitch25-485519032A7E"
    send(router, f"{device}/roller/0", "stop")
    payload = load("SHSW-25_v1.14.0_status_relay.json")  # has relays[] as well as rollers[]
    (row,) = rows(send(router, f"{device}/info", payload), SWITCH_READINGS)
    assert row["component"] == "roller"


def test_gen1_input_event() -> None:
    topic = "shellies/shellyswitch25-485519032A7F/input_event/1"
    (row,) = rows(send(ShellyMqtt(), topic, {"event": "L", "event_cnt": 4}), EVENTS)
    assert values(row) == {
        "generation": 1,
        "channel": 1,
        "component": "input",
        "event": "L",
        "event_at": OBSERVED_AT,
        "transport": "mqtt",
    }
    assert send(ShellyMqtt(), topic, {"event": "", "event_cnt": 0}) == []
    (bad,) = ShellyMqtt().apply(topic, b'{"event": ["S"]}', make_ctx())
    assert bad.rows == [] and bad.rejects


@pytest.mark.parametrize("tail", ["relay/0/command", "temperature_f", "overtemperature", "input/0", "longpush/0"])
def test_gen1_known_topics_without_lake_data(tail: str) -> None:
    assert send(ShellyMqtt(), f"{PLUG}/{tail}", "1") == []


@pytest.mark.parametrize(("tail", "payload"), [("relay/0/energy", "lots"), ("relay/0", "maybe"), ("online", "2")])
def test_bad_single_values_are_rejected_not_raised(tail: str, payload: str) -> None:
    results = ShellyMqtt().apply(f"{PLUG}/{tail}", payload.encode(), make_ctx())
    assert [r.rows for r in results] == [[]]
    assert results[0].rejects[0].payload == payload.encode()
