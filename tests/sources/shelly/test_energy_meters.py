"""Shelly energy meters: Gen1 EM (`emeters[]`, `emeter/N/...`), Pro 3EM (`em`/`emdata`), Pro EM (`em1`/`em1data`)."""

from __future__ import annotations

import orjson

from homelake.sources import PARSE_KINDS as KINDS
from homelake.sources.shelly import ShellyMqtt, parse_gen1_status, parse_gen2_status
from homelake.sources.shelly.rows import DEVICE_STATUS, SWITCH_READINGS
from tests.sources.shelly.support import load, make_ctx, raw, rows, values


def _meters(results: list, component: str) -> list[dict]:
    return [row for row in rows(results, SWITCH_READINGS) if row["component"] == component]


def test_gen1_em_http_channels_with_imported_and_returned_wh() -> None:
    results = parse_gen1_status(load("SHEM_v1.14.0_status.json"), make_ctx("shellyem-C45BBE78AB12"))
    first, second = _meters(results, "meter")
    assert values(first) == {
        "generation": 1,
        "model": "SHEM",
        "channel": 0,
        "component": "meter",
        "power_w": 1502.31,
        "voltage_v": 231.42,
        "pf": 0.99,
        "reactive_power_var": -120.5,
        "energy_wh": 1284531.2,  # Wh, not watt-minutes
        "returned_energy_wh": 35012.7,
        "uptime_s": 1234567.0,
        "transport": "http",
    }
    assert (second["channel"], second["power_w"], second["returned_energy_wh"]) == (1, -2210.4, 815432.9)
    (relay,) = _meters(results, "relay")
    assert (relay["channel"], relay["output"], relay["energy_wh"]) == (0, False, None)


def test_gen1_em_mqtt_topics_land_as_meter_rows_in_wh() -> None:
    results = KINDS["shelly-mqtt"].run(raw("SHEM_v1.14.0_mqtt.json"), make_ctx())
    meters = _meters(results, "meter")
    assert {m["device_id"] for m in meters} == {"shellyem-C45BBE78AB12"}
    assert {m["model"] for m in meters} == {"SHEM"}
    # one row per value topic; energy/returned_energy (watt-minutes) repeat total/total_returned and are skipped
    by_channel = {ch: {k: v for m in meters if m["channel"] == ch for k, v in values(m).items()} for ch in (0, 1)}
    assert len(meters) == 12  # 6 value topics on each of the 2 channels
    assert {k: by_channel[1][k] for k in ("power_w", "reactive_power_var", "voltage_v", "pf")} == {
        "power_w": -2210.4,
        "reactive_power_var": 80.12,
        "voltage_v": 231.42,
        "pf": -0.98,
    }
    assert (by_channel[0]["energy_wh"], by_channel[0]["returned_energy_wh"]) == (1284531.2, 35012.7)
    assert (by_channel[1]["energy_wh"], by_channel[1]["returned_energy_wh"]) == (20345.1, 815432.9)


def test_gen1_em_mqtt_and_http_report_the_same_counter() -> None:
    """The energy model compares counters across transports: both must be the same Wh counter."""
    http = _meters(parse_gen1_status(load("SHEM_v1.14.0_status.json"), make_ctx()), "meter")
    mqtt = [m for m in _meters(KINDS["shelly-mqtt"].run(raw("SHEM_v1.14.0_mqtt.json"), make_ctx()), "meter")]
    for channel in (0, 1):
        totals = {m["energy_wh"] for m in mqtt if m["channel"] == channel and m["energy_wh"] is not None}
        assert totals == {http[channel]["energy_wh"]}


def test_pro_3em_one_row_per_phase_with_its_own_counters() -> None:
    results = parse_gen2_status(load("SPEM-003CEBEU_1.4.4_status.json"), make_ctx())
    phases = _meters(results, "em")
    assert [p["channel"] for p in phases] == [0, 1, 2]
    assert values(phases[0]) == {
        "generation": 2,
        "channel": 0,
        "component": "em",
        "power_w": 842.8,
        "apparent_power_va": 871.5,
        "voltage_v": 231.7,
        "current_a": 3.761,
        "pf": 0.97,
        "freq_hz": 50.0,
        "energy_wh": 1075513.08,
        "returned_energy_wh": 0.0,
        "errors": "phase_sequence",
        "uptime_s": 260530.0,
        "transport": "http",
    }
    assert [(p["power_w"], p["energy_wh"], p["returned_energy_wh"]) for p in phases[1:]] == [
        (1857.3, 1776542.72, 12.5),
        (-460.2, 31.01, 402115.37),
    ]
    assert phases[2]["errors"] == "out_of_range:current,phase_sequence"
    # the phases add up to the device's own totals, which are not kept (they would count twice)
    status = load("SPEM-003CEBEU_1.4.4_status.json")
    assert round(sum(p["energy_wh"] for p in phases), 2) == status["emdata:0"]["total_act"]
    assert round(sum(p["returned_energy_wh"] for p in phases), 2) == status["emdata:0"]["total_act_ret"]


def test_pro_em_channels_are_em1_ids() -> None:
    info = load("SPEM-002CEBEU50_1.4.4_deviceinfo.json")
    results = parse_gen2_status(load("SPEM-002CEBEU50_1.4.4_status.json"), make_ctx(), device_info=info)
    channels = _meters(results, "em1")
    assert [(c["channel"], c["power_w"], c["apparent_power_va"], c["energy_wh"], c["returned_energy_wh"])
            for c in channels] == [(0, 0.0, 4.6, 0.0, 0.0), (1, -5080.3, 5142.4, 6644.9, 2595.26)]  # fmt: skip
    assert {c["device_id"] for c in channels} == {"shellyproem50-08f9e0e67204"}
    (contactor,) = _meters(results, "switch")
    assert (contactor["output"], contactor["energy_wh"]) == (True, None)
    (status,) = rows(results, DEVICE_STATUS)
    assert status["has_update"] is False  # the offered stable 1.4.4 is the installed one


def test_pro_3em_over_mqtt_deltas_keep_phases_and_counters_together() -> None:
    router = ShellyMqtt()
    messages = orjson.loads(raw("SPEM-003CEBEU_1.4.4_mqtt.json"))
    per_message = []
    for message in messages:
        payload = message["payload"]
        body = payload.encode() if isinstance(payload, str) else orjson.dumps(payload)
        per_message.append(_meters(router.apply(message["topic"], body, make_ctx("ingester")), "em"))
    online, full, power_delta, energy_delta = per_message
    assert online == [] and [p["channel"] for p in full] == [0, 1, 2]
    assert {p["device_id"] for p in full} == {"shellypro3em-ec6260890b50"}
    # an em:0 delta: new power, counters from the last known state
    assert [(p["power_w"], p["energy_wh"]) for p in power_delta] == [
        (901.4, 1075513.08),
        (1857.3, 1776542.72),
        (-512.9, 31.01),
    ]
    # an emdata:0 delta: new counters, the power as last reported
    assert [(p["power_w"], p["energy_wh"], p["returned_energy_wh"]) for p in energy_delta] == [
        (901.4, 1075520.6, 0.0),
        (1857.3, 1776558.2, 12.5),
        (-512.9, 31.01, 402119.6),
    ]
    assert energy_delta[0]["observed_at"].timestamp() == 1717000260.0  # the frame's `ts`
    assert all(p["transport"] == "mqtt" and p["generation"] == 2 for p in full + energy_delta)


def test_a_malformed_phase_value_rejects_that_phase_only() -> None:
    status = load("SPEM-003CEBEU_1.4.4_status.json")
    status["em:0"]["b_act_power"] = "lots"
    results = parse_gen2_status(status, make_ctx())
    meters = [r for r in results if r.dataset == SWITCH_READINGS]
    assert [row["channel"] for r in meters for row in r.rows] == [0, 2]
    (reject,) = [j for r in meters for j in r.rejects]
    assert "em:0 channel 1" in reject.reason and "not a number" in reject.reason
    assert b"lots" in reject.payload
