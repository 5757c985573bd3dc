"""Shelly Gen2 MQTT: NotifyFullStatus/NotifyStatus state, NotifyEvent, online, and bad messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from homelake.sources.base import PayloadError
from homelake.sources.shelly import ShellyMqtt
from homelake.sources.shelly.rows import DEVICE_STATUS, EVENTS, SENSOR_READINGS, SWITCH_READINGS
from tests.sources.shelly.support import OBSERVED_AT, load, make_ctx, rows, send, values

PLUG = "shellies/shellyplug-s-C18B12"
PLUS = "shellyplus1pm-a8032abe54dc"


def frame(method: str, ts: float | None, **params: Any) -> dict[str, Any]:
    body = params if ts is None else {"ts": ts, **params}
    return {"src": PLUS, "dst": f"{PLUS}/events", "method": method, "params": body}


@pytest.fixture
def plus_full() -> dict[str, Any]:
    status: dict[str, Any] = load("SNSW-001P16EU_1.4.4_status_rpc.json")["result"]
    return status


def test_notify_full_status_then_delta_keeps_unmentioned_fields(plus_full: dict[str, Any]) -> None:
    router = ShellyMqtt()
    full = send(router, f"{PLUS}/events/rpc", frame("NotifyFullStatus", 1717000000.0, **plus_full))
    (first,) = rows(full, SWITCH_READINGS)
    assert first["observed_at"] == datetime(2024, 5, 29, 16, 26, 40, tzinfo=UTC)  # params.ts
    assert first["device_id"] == PLUS and first["uptime_s"] == 5021.0
    assert len(rows(full, DEVICE_STATUS)) == 1

    apower_only = {"switch:0": {"id": 0, "apower": 925.1}}
    delta = send(router, f"{PLUS}/events/rpc", frame("NotifyStatus", 1717000010.5, **apower_only))
    (row,) = rows(delta, SWITCH_READINGS)
    assert [r.dataset for r in delta] == [SWITCH_READINGS]  # only the component mentioned
    assert row["power_w"] == 925.1
    assert (row["energy_wh"], row["voltage_v"], row["output"]) == (20471.339, 232.4, True)
    assert row["uptime_s"] is None  # not in this payload: stale uptime would hide reboots
    assert row["observed_at"] == datetime(2024, 5, 29, 16, 26, 50, 500000, tzinfo=UTC)


def test_null_in_a_delta_removes_the_key(plus_full: dict[str, Any]) -> None:
    router = ShellyMqtt()
    plus_full["switch:0"]["errors"] = ["overtemp"]
    (row,) = rows(send(router, f"{PLUS}/events/rpc", frame("NotifyFullStatus", 1.0, **plus_full)), SWITCH_READINGS)
    assert row["errors"] == "overtemp"
    delta = {"switch:0": {"id": 0, "errors": None, "aenergy": {"total": 20486.759}}}
    (row,) = rows(send(router, f"{PLUS}/events/rpc", frame("NotifyStatus", 2.0, **delta)), SWITCH_READINGS)
    assert row["errors"] is None and row["energy_wh"] == 20486.759
    state = router.status_of(PLUS)
    assert state is not None and "errors" not in state["switch:0"]
    assert state["switch:0"]["aenergy"]["by_minute"] == plus_full["switch:0"]["aenergy"]["by_minute"]


def test_delta_before_any_full_status_gives_what_it_knows() -> None:
    delta = frame("NotifyStatus", None, **{"switch:0": {"id": 0, "apower": 5.0}})
    (row,) = rows(send(ShellyMqtt(), f"{PLUS}/events/rpc", delta), SWITCH_READINGS)
    assert values(row) == {
        "generation": 2,
        "channel": 0,
        "component": "switch",
        "power_w": 5.0,
        "transport": "mqtt",
    }
    assert row["observed_at"] == OBSERVED_AT  # no ts: the receipt time


def test_notify_event() -> None:
    events = [
        {"component": "input:0", "id": 0, "event": "single_push", "ts": 1717000031.38},
        {"component": "input:1", "id": 1, "event": "long_push", "ts": 1717000032.0},
    ]
    results = send(ShellyMqtt(), f"{PLUS}/events/rpc", frame("NotifyEvent", 1717000031.4, events=events))
    first, second = rows(results, EVENTS)
    assert values(first) == {
        "generation": 2,
        "channel": 0,
        "component": "input",
        "event": "single_push",
        "event_at": datetime(2024, 5, 29, 16, 27, 11, 380000, tzinfo=UTC),
        "transport": "mqtt",
    }
    assert (second["channel"], second["event"]) == (1, "long_push")


def test_gen2_online_and_component_status_topics(plus_full: dict[str, Any]) -> None:
    router = ShellyMqtt()
    (online,) = rows(send(router, f"{PLUS}/online", "false"), DEVICE_STATUS)
    assert values(online) == {"generation": 2, "is_online": False, "transport": "mqtt"}
    assert online["device_id"] == PLUS
    component = dict(plus_full["switch:0"], output=False, apower=0.0)
    (row,) = rows(send(router, f"{PLUS}/status/switch:0", component), SWITCH_READINGS)
    assert (row["output"], row["power_w"], row["energy_wh"]) == (False, 0.0, 20471.339)


def test_custom_prefix_is_learned_from_src_or_configured(plus_full: dict[str, Any]) -> None:
    router = ShellyMqtt()
    send(router, "home/garage/events/rpc", frame("NotifyFullStatus", 1.0, **plus_full))
    (row,) = rows(send(router, "home/garage/online", "true"), DEVICE_STATUS)
    assert row["device_id"] == PLUS
    configured = ShellyMqtt(gen2_prefixes={"home/attic": "shellyplusplugs-80646fe1a2b3"})
    (row,) = rows(send(configured, "home/attic/status/sys", plus_full["sys"]), DEVICE_STATUS)
    assert row["device_id"] == "shellyplusplugs-80646fe1a2b3" and row["uptime_s"] == 5021.0


def test_plus_ht_wakeup_fixture_sequence() -> None:
    router = ShellyMqtt()
    sensors: list[dict[str, Any]] = []
    for message in load("SNSN-0013A_1.4.4_mqtt.json"):
        sensors += rows(send(router, message["topic"], message["payload"]), SENSOR_READINGS)
    assert [(s["temperature_c"], s["humidity_pct"], s["battery_pct"]) for s in sensors] == [
        (21.9, 48.7, 79.0),
        (22.1, 48.7, 79.0),  # status/temperature:0 overlays the last full status
    ]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (f"{PLUS}/events/rpc", b"{not json", "not valid JSON"),
        (f"{PLUS}/events/rpc", b"[1, 2]", "expected a JSON object"),
        (f"{PLUS}/events/rpc", b'{"method":"NotifyStatus","params":{}}', "without a `src`"),
        (f"{PLUS}/events/rpc", b'{"src":"x","method":"NotifyStatus"}', "without `params`"),
        (f"{PLUS}/events/rpc", b'{"src":"x","method":"NotifyWhat","params":{}}', "unknown notification"),
        (f"{PLUG}/info", b"\xff\xfe{}", "not valid UTF-8"),
        (f"{PLUG}/relay/0/power", b"\xc3\x28", "not valid UTF-8"),
        (f"{PLUG}/announce", b"{", "not valid JSON"),
        (f"{PLUG}/no/such/topic", b"1", "unknown Shelly Gen1 topic"),
        ("shellies/", b"1", "unknown Shelly Gen1 topic"),
        ("some/other/thing", b"1", "unknown Shelly topic"),
    ],
)
def test_bad_messages_raise_payload_error(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        ShellyMqtt().apply(topic, payload, make_ctx())


def test_bad_counter_in_a_delta_rejects_the_row_and_keeps_the_state(plus_full: dict[str, Any]) -> None:
    router = ShellyMqtt()
    send(router, f"{PLUS}/events/rpc", frame("NotifyFullStatus", 1.0, **plus_full))
    bad = frame("NotifyStatus", 2.0, **{"switch:0": {"id": 0, "aenergy": {"total": "x"}}})
    results = router.apply(f"{PLUS}/events/rpc", orjson.dumps(bad), make_ctx())
    assert results[0].rows == [] and "not a number" in results[0].rejects[0].reason
    good = frame("NotifyStatus", 3.0, **{"switch:0": {"id": 0, "aenergy": {"total": 20500.0}}})
    (row,) = rows(send(router, f"{PLUS}/events/rpc", good), SWITCH_READINGS)
    assert row["energy_wh"] == 20500.0
