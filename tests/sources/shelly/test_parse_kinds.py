"""`homelake parse` kinds for Shelly payloads run the real parsers on the fixtures."""

from __future__ import annotations

import orjson
import pytest

from homelake.sources import PARSE_KINDS as KINDS
from homelake.sources.base import PayloadError
from homelake.sources.shelly.rows import DEVICE_STATUS, EVENTS, SWITCH_READINGS
from tests.sources.shelly.support import FIXTURES, assert_fit, make_ctx, raw


def test_kinds_are_registered_next_to_mikrotik() -> None:
    assert {
        "shelly-gen1-status",
        "shelly-gen2-status",
        "shelly-mqtt",
        "zigbee-mqtt",
        "mikrotik-leases",
    } <= set(KINDS)


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("shelly-gen1-status", "SH*_status*.json"),
        ("shelly-gen2-status", "S[NP]*_status*.json"),
        ("shelly-mqtt", "*_mqtt*.json"),
    ],
)
def test_every_fixture_through_its_kind(kind: str, pattern: str) -> None:
    names = sorted(p.name for p in FIXTURES.glob(pattern))
    assert names
    for name in names:
        results = KINDS[kind].run(raw(name), make_ctx())
        assert_fit(results)
        assert [r.rejects for r in results if r.rejects] == [], name
        assert any(r.rows for r in results), name


def test_gen1_kind_plug_s_energy() -> None:
    results = KINDS["shelly-gen1-status"].run(raw("SHPLG-S_v1.14.0_status.json"), make_ctx())
    (switch,) = next(r.rows for r in results if r.dataset == SWITCH_READINGS)
    assert switch["energy_wh"] == 3054.0


def test_gen2_kind_error_envelope() -> None:
    with pytest.raises(PayloadError, match="401"):
        KINDS["shelly-gen2-status"].run(raw("SNSW-001P16EU_1.4.4_error_401.json"), make_ctx())


def test_mqtt_kind_applies_messages_in_order_through_one_state() -> None:
    results = KINDS["shelly-mqtt"].run(raw("SNSW-001P16EU_1.4.4_mqtt.json"), make_ctx())
    switches = [row for r in results if r.dataset == SWITCH_READINGS for row in r.rows]
    assert [s["power_w"] for s in switches] == [918.6, 925.1, 925.1, 0.0, 0.0]
    assert [s["errors"] for s in switches] == ["overtemp", "overtemp", None, None, None]
    assert [s["energy_wh"] for s in switches] == [20471.339, 20471.339, 20486.759, 20486.759, 20486.759]
    assert [row["event"] for r in results if r.dataset == EVENTS for row in r.rows] == ["single_push"]
    online = [row["is_online"] for r in results if r.dataset == DEVICE_STATUS for row in r.rows]
    assert online[0] is True and online[-1] is False


def test_mqtt_kind_plug_sequence_energy() -> None:
    results = KINDS["shelly-mqtt"].run(raw("SHPLG-S_v1.14.0_mqtt.json"), make_ctx())
    energy = [row["energy_wh"] for r in results if r.dataset == SWITCH_READINGS for row in r.rows]
    assert [e for e in energy if e is not None] == [3054.0, 3054.0]  # relay/0/energy topic, then info


def test_mqtt_kind_dead_letters_a_bad_message_and_carries_on() -> None:
    messages = [
        {"topic": "shellies/shellyplug-s-C18B12/relay/0", "payload": "on"},
        {"topic": "nowhere", "payload": "1"},
        {"topic": "shellies/shellyplug-s-C18B12/relay/0", "payload": "off"},
    ]
    results = KINDS["shelly-mqtt"].run(orjson.dumps(messages), make_ctx())
    assert [row["output"] for r in results for row in r.rows] == [True, False]
    (reject,) = [j for r in results for j in r.rejects]
    assert "message 1" in reject.reason and reject.payload == b"1"


@pytest.mark.parametrize("body", [b"{}", b"[1]", b'[{"topic": 1, "payload": "x"}]', b"nope"])
def test_mqtt_kind_wrong_list_shape(body: bytes) -> None:
    with pytest.raises(PayloadError):
        KINDS["shelly-mqtt"].run(body, make_ctx())
