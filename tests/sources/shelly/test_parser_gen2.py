"""Gen2+ `Shelly.GetStatus` parsing: bare and JSON-RPC forms, units (Wh, not mWh), components."""

from __future__ import annotations

import pytest

from homelake.sources.base import PayloadError
from homelake.sources.shelly import parse_gen2_status
from homelake.sources.shelly.rows import DEVICE_STATUS, SENSOR_READINGS, SWITCH_READINGS
from tests.sources.shelly.support import FIXTURES, assert_fit, load, make_ctx, rows, values

GEN2_STATUS_FIXTURES = sorted(p.name for p in FIXTURES.glob("S[NP]*_status*.json"))
PRO4PM_INFO = load("SPSW-004PE16EU_1.4.4_deviceinfo.json")


@pytest.mark.parametrize("name", GEN2_STATUS_FIXTURES)
def test_every_fixture_parses_to_schema_rows(name: str) -> None:
    results = parse_gen2_status(load(name), make_ctx())
    assert_fit(results)
    assert all(not r.rejects for r in results)
    (status,) = rows(results, DEVICE_STATUS)
    assert status["is_online"] is True and status["mac"] is not None


def test_pro_4pm_four_channels_with_their_own_energy() -> None:
    results = parse_gen2_status(load("SPSW-004PE16EU_1.4.4_status.json"), make_ctx(), device_info=PRO4PM_INFO)
    switches = rows(results, SWITCH_READINGS)
    assert [(s["channel"], s["output"], s["power_w"], s["energy_wh"]) for s in switches] == [
        (0, True, 118.4, 10542.117),
        (1, True, 1520.3, 3120.5),
        (2, False, 0.0, 0.0),
        (3, True, 8.7, 881.004),
    ]
    assert values(switches[0]) == {
        "generation": 2,
        "model": "SPSW-004PE16EU",
        "channel": 0,
        "component": "switch",
        "output": True,
        "power_w": 118.4,
        "voltage_v": 231.2,
        "current_a": 0.531,
        "pf": 0.96,
        "freq_hz": 50.0,
        "energy_wh": 10542.117,  # aenergy.total, never by_minute (mWh)
        "returned_energy_wh": 0.0,
        "temperature_c": 41.8,
        "uptime_s": 1302981.0,
        "transport": "http",
    }
    assert {s["device_id"] for s in switches} == {"shellypro4pm-aabbccddeeff"}  # device_info id
    (status,) = rows(results, DEVICE_STATUS)
    assert values(status) == {
        "generation": 2,
        "model": "SPSW-004PE16EU",
        "mac": "aa:bb:cc:dd:ee:ff",
        "ip": "192.168.1.70",
        "firmware": "1.4.4",
        "uptime_s": 1302981.0,
        "rssi_dbm": -54.0,
        "ssid": "homenet",
        "is_online": True,
        "cloud_connected": True,
        "mqtt_connected": True,
        "ram_free_bytes": 118432,
        "has_update": True,  # available_updates names a stable version
        "transport": "http",
    }


def test_bare_result_without_device_info_keeps_the_context_device() -> None:
    results = parse_gen2_status(load("SPSW-004PE16EU_1.4.4_status.json"), make_ctx("shellypro4pm-aabbccddeeff"))
    switches = rows(results, SWITCH_READINGS)
    assert {(s["device_id"], s["generation"], s["model"]) for s in switches} == {("shellypro4pm-aabbccddeeff", 2, None)}


def test_envelope_src_names_the_device() -> None:
    results = parse_gen2_status(load("SNSW-001P16EU_1.4.4_status_rpc.json"), make_ctx())
    (switch,) = rows(results, SWITCH_READINGS)
    assert switch["device_id"] == "shellyplus1pm-a8032abe54dc" and switch["generation"] == 2
    assert (switch["power_w"], switch["energy_wh"], switch["returned_energy_wh"]) == (918.6, 20471.339, None)


def test_envelope_and_bare_forms_give_the_same_rows() -> None:
    envelope = load("SNSW-001P16EU_1.4.4_status_rpc.json")
    ctx = make_ctx("shellyplus1pm-a8032abe54dc")
    assert parse_gen2_status(envelope, ctx) == parse_gen2_status(envelope["result"], ctx)


def test_pro_2pm_switch_profile_errors_joined() -> None:
    switches = rows(parse_gen2_status(load("SPSW-202PE16EU_1.4.4_status_switch.json"), make_ctx()), SWITCH_READINGS)
    assert [(s["channel"], s["errors"]) for s in switches] == [(0, None), (1, "overtemp")]


def test_pro_2pm_cover_profile() -> None:
    (cover,) = rows(parse_gen2_status(load("SPSW-202PE16EU_1.4.4_status_cover.json"), make_ctx()), SWITCH_READINGS)
    assert values(cover) | {"uptime_s": None} == {
        "generation": 2,  # a Shelly.GetStatus answer is Gen2 or later, even when nothing else says which
        "channel": 0,
        "component": "cover",
        "power_w": 0.0,
        "voltage_v": 230.1,
        "current_a": 0.0,
        "pf": 0.0,
        "freq_hz": 50.0,
        "energy_wh": 204.771,
        "temperature_c": 36.2,
        "uptime_s": None,
        "cover_state": "stopped",
        "cover_pos": 38.0,
        "transport": "http",
    }
    assert cover["output"] is None


def test_plus_plug_s_has_no_pf() -> None:
    (switch,) = rows(parse_gen2_status(load("SNPL-00112EU_1.4.4_status.json"), make_ctx()), SWITCH_READINGS)
    assert switch["pf"] is None and switch["freq_hz"] is None and switch["returned_energy_wh"] is None
    assert (switch["power_w"], switch["current_a"], switch["energy_wh"]) == (12.6, 0.094, 1387.44)


def test_plus_ht_one_sensor_row_from_three_components() -> None:
    info = {"id": "shellyplusht-c049ef8a1b2c", "model": "SNSN-0013A", "gen": 2, "ver": "1.4.4"}
    results = parse_gen2_status(load("SNSN-0013A_1.4.4_status.json"), make_ctx(), device_info=info)
    assert rows(results, SWITCH_READINGS) == []
    (sensor,) = rows(results, SENSOR_READINGS)
    assert values(sensor) == {
        "generation": 2,
        "model": "SNSN-0013A",
        "channel": 0,
        "temperature_c": 21.9,
        "humidity_pct": 48.7,
        "battery_pct": 79.0,
        "battery_v": 5.62,
        "transport": "http",
    }


def test_pm1_component() -> None:
    pm1 = {"id": 0, "voltage": 229.0, "current": 0.2, "apower": 40.1, "freq": 50.0}
    pm1["aenergy"] = {"total": 12.5, "by_minute": [1.0, 2.0, 3.0], "minute_ts": 1717000020}
    pm1["ret_aenergy"] = {"total": 1.25, "by_minute": [0.0, 0.0, 0.0], "minute_ts": 1717000020}
    status = {"pm1:0": pm1}
    (pm,) = rows(parse_gen2_status(status, make_ctx("shellypmminig3-84fce63ad204")), SWITCH_READINGS)
    assert (pm["component"], pm["output"], pm["energy_wh"], pm["returned_energy_wh"]) == (
        "pm1",
        None,
        12.5,
        1.25,
    )
    assert pm["generation"] == 3 and pm["uptime_s"] is None  # no sys in this payload


def test_error_envelope_is_a_payload_error_with_code() -> None:
    with pytest.raises(PayloadError, match="401"):
        parse_gen2_status(load("SNSW-001P16EU_1.4.4_error_401.json"), make_ctx())


def test_bad_counter_rejects_that_switch_only() -> None:
    payload = load("SPSW-004PE16EU_1.4.4_status.json")
    payload["switch:2"]["aenergy"]["total"] = "n/a"
    results = parse_gen2_status(payload, make_ctx())
    assert_fit(results)
    switch = next(r for r in results if r.dataset == SWITCH_READINGS)
    assert [row["channel"] for row in switch.rows] == [0, 1, 3]
    assert "switch:2" in switch.rejects[0].reason


@pytest.mark.parametrize("payload", [[], "x", {"id": 1, "src": "a", "result": [1]}])
def test_wrong_shape_is_a_payload_error(payload: object) -> None:
    with pytest.raises(PayloadError):
        parse_gen2_status(payload, make_ctx())


def test_malformed_uptime_rejects_rows_but_never_raises() -> None:
    payload = load("SNPL-00112EU_1.4.4_status.json")
    payload["sys"]["uptime"] = [1, "a"]
    results = parse_gen2_status(payload, make_ctx())
    assert_fit(results)
    assert all(not r.rows and r.rejects for r in results)
