"""Gaps a check against real device dumps found: identity of a bare status, stable-only updates, Wall Display
lux, and bodies of the wrong shape (a clear error and a dead letter, never zero rows that look like success)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from homelake.sources.base import UNNAMED_DEVICE, PayloadError
from homelake.sources.shelly import ShellyMqtt, parse_gen1_status, parse_gen2_status
from homelake.sources.shelly.gen2.parser import has_update
from homelake.sources.shelly.rows import DEVICE_STATUS, SENSOR_READINGS, SWITCH_READINGS
from homelake.sources.shelly.target import ShellyTarget
from tests.sources.shelly.support import FIXTURES, OBSERVED_AT, load, make_ctx, rows, values

PRO3EM_STATUS = "SPEM-003CEBEU_1.4.4_status.json"
# A whole device dump, as diagnostics tools save it: several calls' answers under their names.
DUMP = {"shelly": load("SPEM-002CEBEU50_1.4.4_deviceinfo.json"), "status": load(PRO3EM_STATUS), "settings": {}}


def test_a_bare_status_from_homelake_parse_is_named_by_its_mac() -> None:
    results = parse_gen2_status(load(PRO3EM_STATUS), make_ctx(UNNAMED_DEVICE))
    assert {(r["device_id"], r["generation"]) for r in rows(results, SWITCH_READINGS)} == {("ec6260890b50", 2)}
    (status,) = rows(results, DEVICE_STATUS)
    assert (status["device_id"], status["mac"]) == ("ec6260890b50", "ec:62:60:89:0b:50")


def test_a_device_the_caller_names_keeps_its_name() -> None:
    results = parse_gen2_status(load(PRO3EM_STATUS), make_ctx("shellypro3em-ec6260890b50"))
    assert {r["device_id"] for r in rows(results, SWITCH_READINGS)} == {"shellypro3em-ec6260890b50"}


def test_wall_display_sys_names_the_device_and_illuminance_gives_lux() -> None:
    results = parse_gen2_status(load("SAWD-0A1XX10EU1_2.7.4_status.json"), make_ctx(UNNAMED_DEVICE))
    (sensor,) = rows(results, SENSOR_READINGS)
    assert values(sensor) == {
        "generation": 2,
        "model": "SAWD-0A1XX10EU1",
        "channel": 0,
        "temperature_c": 22.4,
        "humidity_pct": 48.0,
        "lux": 118.0,
        "transport": "http",
    }
    assert sensor["device_id"] == "ShellyWallDisplay-000822525745"
    (status,) = rows(results, DEVICE_STATUS)
    assert (status["firmware"], status["has_update"]) == ("2.7.4", True)  # stable 2.8.0 is newer than 2.7.4


@pytest.mark.parametrize(
    ("available", "installed", "expected"),
    [
        ({}, "1.4.4", False),
        ({"beta": {"version": "1.5.0-beta1"}}, "1.4.4", False),  # only a beta: no update
        ({"stable": {"version": "1.4.4"}}, "1.4.4", False),  # the installed version
        ({"stable": {"version": "1.4.3"}}, "1.4.4", False),  # older
        ({"stable": {"version": "1.5.0"}}, "1.5.0-beta1", True),  # a release beats its own beta
        ({"stable": {"version": "1.4.4"}}, "1.5.0-beta1", False),  # a running beta is newer
        ({"stable": {"version": "1.10.0"}}, "1.9.9", True),  # numbers, not strings
        ({"stable": {"version": "1.5.0"}, "beta": {"version": "1.6.0-beta2"}}, "20241011-114455/1.4.4-g6d2a586", True),
        ({"stable": {"version": "1.5.0"}}, None, True),  # installed unknown (MQTT): the device's offer stands
        (None, "1.4.4", None),
    ],
)
def test_gen2_has_update_only_for_a_newer_stable(available: Any, installed: str | None, expected: bool | None) -> None:
    assert has_update(available, installed) is expected


def test_gen2_has_update_in_the_rows() -> None:
    (beta_only,) = rows(parse_gen2_status(load(PRO3EM_STATUS), make_ctx()), DEVICE_STATUS)
    assert beta_only["has_update"] is False


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"has_update": True, "new_version": "20230913-114244/v1.14.0-gcb84623",
          "old_version": "20230913-114244/v1.14.0-gcb84623"}, False),  # the same build offered again
        ({"has_update": False, "new_version": "20231107-164738/v1.14.1-gcb84623",
          "old_version": "20230913-114244/v1.14.0-gcb84623"}, True),
        ({"has_update": True, "new_version": "20220209-092750/v1.11.8-g8c7bb8d",
          "old_version": "20230913-114244/v1.14.0-gcb84623"}, False),  # older
        ({"has_update": True, "old_version": "20230913-114244/v1.14.0-gcb84623",
          "beta_version": "20231107-164916/v1.14.1-rc1-g0617c15"}, True),  # no new_version: the device's flag
    ],
)  # fmt: skip
def test_gen1_has_update_compares_the_versions(update: dict[str, Any], expected: bool) -> None:
    status = load("SHEM_v1.14.0_status.json") | {"update": update}
    (row,) = rows(parse_gen1_status(status, make_ctx()), DEVICE_STATUS)
    assert row["has_update"] is expected


def test_gen1_em_fixture_offers_its_own_version_so_no_update() -> None:
    (row,) = rows(parse_gen1_status(load("SHEM_v1.14.0_status.json"), make_ctx()), DEVICE_STATUS)
    assert row["has_update"] is False


@pytest.mark.parametrize("body", [{"foo": 1}, {}, DUMP])
def test_wrong_shape_is_an_error_for_both_generations(body: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="not a Shelly.GetStatus result"):
        parse_gen2_status(body, make_ctx())
    with pytest.raises(PayloadError, match="not a /status answer"):
        parse_gen1_status(body, make_ctx())


def test_a_dump_says_which_part_to_save() -> None:
    with pytest.raises(PayloadError, match="wraps a status under `status`"):
        parse_gen2_status(DUMP, make_ctx())


def test_wrong_shape_on_the_gen1_info_topic_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="not a /status answer"):
        ShellyMqtt().apply("shellies/shellyem-C45BBE78AB12/info", b'{"foo": 1}', make_ctx("ingester"))


def _homelake(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "homelake.cli.app", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_homelake_parse_exits_non_zero_on_a_wrong_shape_and_names_a_bare_status(tmp_path: Path) -> None:
    wrong = tmp_path / "dump.json"
    wrong.write_bytes(orjson.dumps(DUMP))
    failed = _homelake("parse", "shelly-gen2-status", str(wrong))
    assert failed.returncode == 2 and failed.stdout == ""
    assert "not a Shelly.GetStatus result" in failed.stderr and "Traceback" not in failed.stderr
    assert _homelake("parse", "shelly-gen1-status", str(wrong)).returncode == 2
    parsed = _homelake(
        "parse", "shelly-gen2-status", str(FIXTURES / PRO3EM_STATUS), "--observed-at", "2024-05-29T16:30:00Z"
    )
    assert parsed.returncode == 0, parsed.stderr
    lines = [orjson.loads(line) for line in parsed.stdout.splitlines()]
    assert {line["device_id"] for line in lines} == {"ec6260890b50"}
    assert [line["channel"] for line in lines if line.get("component") == "em"] == [0, 1, 2]


def test_collection_dead_letters_a_status_of_the_wrong_shape() -> None:
    info = load("SPEM-002CEBEU50_1.4.4_deviceinfo.json")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=info if request.url.path == "/shelly" else {"foo": 1})

    target = ShellyTarget(
        "shellyproem50-08f9e0e67204",
        "http://192.0.2.10",
        clock=lambda: OBSERVED_AT,
        transport=httpx.MockTransport(answer),
    )

    async def poll_once() -> Any:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    outcome = asyncio.run(poll_once())
    assert outcome.results == []
    ((dataset, reason, raw),) = outcome.dead_letters
    assert dataset == SWITCH_READINGS and "not a Shelly.GetStatus result" in reason and raw == b'{"foo":1}'
