"""Gen1 `/status` parsing on recorded-shape fixtures: units (watt-minutes), pairing, quirks."""

from __future__ import annotations

import copy

import pytest

from homelake.sources.base import PayloadError
from homelake.sources.shelly import parse_gen1_status
from homelake.sources.shelly.rows import DEVICE_STATUS, SENSOR_READINGS, SWITCH_READINGS
from tests.sources.shelly.support import FIXTURES, OBSERVED_AT, assert_fit, load, make_ctx, rows, values

GEN1_STATUS_FIXTURES = sorted(p.name for p in FIXTURES.glob("SH*_status*.json"))


@pytest.mark.parametrize("name", GEN1_STATUS_FIXTURES)
def test_every_fixture_parses_to_schema_rows(name: str) -> None:
    results = parse_gen1_status(load(name), make_ctx())
    assert_fit(results)
    assert all(not r.rejects for r in results)
    status = rows(results, DEVICE_STATUS)
    assert len(status) == 1
    assert status[0]["mac"] is not None and status[0]["is_online"] is True
    assert all(row["observed_at"] == OBSERVED_AT for r in results for row in r.rows)


def test_plug_s_total_is_watt_minutes() -> None:
    results = parse_gen1_status(load("SHPLG-S_v1.14.0_status.json"), make_ctx(), model="SHPLG-S")
    (switch,) = rows(results, SWITCH_READINGS)
    assert values(switch) == {
        "generation": 1,
        "model": "SHPLG-S",
        "channel": 0,
        "component": "relay",
        "output": True,
        "power_w": 41.7,
        "energy_wh": 3054.0,  # 183240 Wmin / 60
        "temperature_c": 31.2,
        "uptime_s": 86400.0,
        "transport": "http",
    }
    assert switch["device_id"] == "collector-target"
    (status,) = rows(results, DEVICE_STATUS)
    assert values(status) == {
        "generation": 1,
        "model": "SHPLG-S",
        "mac": "84:f3:eb:c1:8b:12",
        "ip": "192.168.1.51",
        "firmware": "20230913-113421/v1.14.0-gcb84623",
        "uptime_s": 86400.0,
        "rssi_dbm": -61.0,
        "ssid": "homenet",
        "is_online": True,
        "cloud_connected": False,
        "mqtt_connected": True,
        "ram_free_bytes": 39280,
        "has_update": False,
        "transport": "http",
    }


def test_model_from_mqtt_style_device_id() -> None:
    results = parse_gen1_status(load("SHPLG-S_v1.14.0_status.json"), make_ctx("shellyplug-s-C18B12"))
    assert {row["model"] for r in results for row in r.rows} == {"SHPLG-S"}


def test_plug_without_temperature_and_pending_update() -> None:
    results = parse_gen1_status(load("SHPLG-1_v1.9.4_status.json"), make_ctx(), model="SHPLG-1")
    (switch,) = rows(results, SWITCH_READINGS)
    assert switch["energy_wh"] == 10.0 and switch["temperature_c"] is None and switch["output"] is False
    (status,) = rows(results, DEVICE_STATUS)
    assert status["has_update"] is True
    assert status["firmware"] == "20210115-102736/v1.9.4@e2732e05"  # old_version, not new_version


def test_old_firmware_is_valid_strings_are_valid() -> None:
    results = parse_gen1_status(load("SHSW-PM_v1.5.0_status.json"), make_ctx())
    (switch,) = rows(results, SWITCH_READINGS)
    assert switch["power_w"] == 0.0 and switch["energy_wh"] == 2.0
    assert switch["temperature_c"] == 38.7  # from tmp.tC: no top-level `temperature` then


def test_is_valid_false_drops_the_reading() -> None:
    payload = load("SHSW-PM_v1.5.0_status.json")
    payload["meters"][0]["is_valid"] = "false"
    payload["tmp"]["is_valid"] = False
    (switch,) = rows(parse_gen1_status(payload, make_ctx()), SWITCH_READINGS)
    assert switch["power_w"] is None and switch["temperature_c"] is None
    assert switch["energy_wh"] == 2.0  # the counter itself stays


def test_shelly_25_relay_mode_pairs_meters_by_index() -> None:
    results = parse_gen1_status(load("SHSW-25_v1.14.0_status_relay.json"), make_ctx(), model="SHSW-25")
    first, second = rows(results, SWITCH_READINGS)
    assert (first["channel"], first["output"], first["power_w"], first["energy_wh"]) == (
        0,
        True,
        60.31,
        1206.0,
    )
    assert (second["channel"], second["output"], second["energy_wh"]) == (1, False, 75.35)
    assert second["errors"] == "overpower" and first["errors"] is None
    assert first["voltage_v"] == second["voltage_v"] == 229.71
    assert {first["component"], second["component"]} == {"relay"}


def test_shelly_25_roller_mode() -> None:
    results = parse_gen1_status(load("SHSW-25_v1.14.0_status_roller.json"), make_ctx(), model="SHSW-25")
    (roller,) = rows(results, SWITCH_READINGS)
    assert values(roller) == {
        "generation": 1,
        "model": "SHSW-25",
        "channel": 0,
        "component": "roller",
        "power_w": 93.47,
        "voltage_v": 231.02,
        "energy_wh": 145.5,  # (5412 + 3318) Wmin of both motor directions
        "temperature_c": 48.1,
        "uptime_s": 14400.0,
        "cover_state": "open",
        "cover_pos": 62.0,
        "transport": "http",
    }


def test_roller_mode_given_explicitly_and_uncalibrated_position() -> None:
    payload = load("SHSW-25_v1.14.0_status_relay.json")  # relays[] and rollers[] both present
    payload["rollers"][0]["stop_reason"] = "obstacle"
    (roller,) = rows(parse_gen1_status(payload, make_ctx(), mode="roller"), SWITCH_READINGS)
    assert roller["component"] == "roller"
    assert roller["cover_pos"] is None  # 101 = not calibrated
    assert roller["errors"] == "obstacle"


def test_bulb_is_a_light_without_energy_counter() -> None:
    (light,) = rows(parse_gen1_status(load("SHBLB-1_v1.11.7_status.json"), make_ctx()), SWITCH_READINGS)
    assert (light["component"], light["output"], light["power_w"], light["energy_wh"]) == (
        "light",
        True,
        6.47,
        None,
    )


def test_vintage_light_energy_in_watt_minutes() -> None:
    (light,) = rows(parse_gen1_status(load("SHVIN-1_v1.14.0_status.json"), make_ctx()), SWITCH_READINGS)
    assert (light["component"], light["power_w"], light["energy_wh"]) == ("light", 4.2, 157.0)


def test_uni_relays_and_probes() -> None:
    results = parse_gen1_status(load("SHUNI-1_v1.14.0_status.json"), make_ctx(), model="SHUNI-1")
    relays = rows(results, SWITCH_READINGS)
    assert [(r["channel"], r["output"], r["power_w"]) for r in relays] == [(0, False, None), (1, True, None)]
    probes = rows(results, SENSOR_READINGS)
    assert [(p["channel"], p["temperature_c"], p["humidity_pct"]) for p in probes] == [
        (0, 21.5, 48.3),
        (1, 4.06, None),
    ]


def test_ht_sensor_row_and_no_switch_rows() -> None:
    results = parse_gen1_status(load("SHHT-1_v1.14.0_status.json"), make_ctx(), model="SHHT-1")
    assert rows(results, SWITCH_READINGS) == []
    (sensor,) = rows(results, SENSOR_READINGS)
    assert values(sensor) == {
        "generation": 1,
        "model": "SHHT-1",
        "channel": 0,
        "temperature_c": 22.4,
        "humidity_pct": 51.0,
        "battery_pct": 87.0,
        "battery_v": 2.91,
        "transport": "http",
    }


def test_ht_fahrenheit_value_is_not_taken_as_celsius() -> None:
    payload = load("SHHT-1_v1.14.0_status.json")
    payload["tmp"] = {"value": 72.32, "units": "F", "is_valid": True}
    (sensor,) = rows(parse_gen1_status(payload, make_ctx()), SENSOR_READINGS)
    assert sensor["temperature_c"] is None


def test_motion_sensor() -> None:
    results = parse_gen1_status(load("SHMOS-01_v2.2.4_status.json"), make_ctx(), model="SHMOS-01")
    (sensor,) = rows(results, SENSOR_READINGS)
    assert (sensor["motion"], sensor["vibration"], sensor["lux"], sensor["battery_pct"]) == (
        True,
        False,
        78.0,
        93.0,
    )
    assert sensor["battery_v"] == 4.06 and sensor["temperature_c"] is None


def test_firmware_given_when_status_has_no_update_block() -> None:
    payload = load("SHPLG-S_v1.14.0_status.json")
    del payload["update"]
    (status,) = rows(parse_gen1_status(payload, make_ctx(), firmware="v1.14.0"), DEVICE_STATUS)
    assert status["firmware"] == "v1.14.0" and status["has_update"] is False  # top-level has_update


def test_mqtt_transport_does_not_claim_online() -> None:
    results = parse_gen1_status(load("SHPLG-S_v1.14.0_status.json"), make_ctx(), transport="mqtt")
    (status,) = rows(results, DEVICE_STATUS)
    assert status["is_online"] is None and status["transport"] == "mqtt"


@pytest.mark.parametrize("bad", ["lots", [1], {"x": 1}, True])
def test_counter_that_is_not_a_number_rejects_that_channel_only(bad: object) -> None:
    payload = load("SHSW-25_v1.14.0_status_relay.json")
    payload["meters"][1]["total"] = bad
    results = parse_gen1_status(payload, make_ctx())
    assert_fit(results)
    switch = next(r for r in results if r.dataset == SWITCH_READINGS)
    assert [row["channel"] for row in switch.rows] == [0]
    (reject,) = switch.rejects
    assert "relays[1]" in reject.reason and "not a number" in reject.reason


def test_malformed_mac_rejects_the_status_row() -> None:
    payload = copy.deepcopy(load("SHPLG-S_v1.14.0_status.json"))
    payload["mac"] = "not-a-mac"
    results = parse_gen1_status(payload, make_ctx())
    status = next(r for r in results if r.dataset == DEVICE_STATUS)
    assert status.rows == [] and "MAC" in status.rejects[0].reason


@pytest.mark.parametrize("payload", [[], "status", None, {"relays": {"ison": True}}])
def test_wrong_shape_is_a_payload_error(payload: object) -> None:
    with pytest.raises(PayloadError):
        parse_gen1_status(payload, make_ctx())
