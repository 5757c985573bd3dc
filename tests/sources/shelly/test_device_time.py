"""The device's own clock beside the receipt (`device_ts`): where each Shelly payload keeps it, in UTC."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.shelly import ShellyMqtt, parse_gen1_status, parse_gen2_status
from homelake.sources.shelly import values as v
from homelake.sources.shelly.rows import DEVICE_STATUS, SWITCH_READINGS
from tests.sources.shelly.support import RECEIVED_AT, load, make_ctx, rows, send

BERLIN = ZoneInfo("Europe/Berlin")
PLUS = "shellyplus1pm-a8032abe54dc"
UNIXTIME = 1717000000  # 2024-05-29 16:26:40Z, 18:26:40 in Berlin (CEST, +2 h)
AT = datetime(2024, 5, 29, 16, 26, 40, tzinfo=UTC)


def _plug_status(*, unixtime: object, meter_ts: object) -> dict[str, Any]:
    status: dict[str, Any] = copy.deepcopy(load("SHPLG-S_v1.14.0_status.json"))
    status["unixtime"] = unixtime
    status["meters"][0]["timestamp"] = meter_ts
    return status


def test_gen1_meter_timestamp_is_local_wall_clock_and_lands_in_utc() -> None:
    # the meter's timestamp is the Berlin wall clock read as if it were UTC: two hours ahead in summer
    status = _plug_status(unixtime=UNIXTIME + 5, meter_ts=UNIXTIME + 2 * 3600)
    results = parse_gen1_status(status, replace(make_ctx(), local_tz=BERLIN), model="SHPLG-S")
    (switch,) = rows(results, SWITCH_READINGS)
    (device,) = rows(results, DEVICE_STATUS)
    assert switch["device_ts"] == AT  # the meter's own moment
    assert device["device_ts"] == datetime(2024, 5, 29, 16, 26, 45, tzinfo=UTC)  # `unixtime` is UTC already
    assert switch["received_at"] == RECEIVED_AT  # the receipt stays beside it


def test_gen1_winter_meter_timestamp_is_one_hour_ahead() -> None:
    winter = 1733000000  # 2024-11-30 20:53:20Z
    status = _plug_status(unixtime=winter, meter_ts=winter + 3600)
    (switch,) = rows(parse_gen1_status(status, replace(make_ctx(), local_tz=BERLIN)), SWITCH_READINGS)
    assert switch["device_ts"] == datetime.fromtimestamp(winter, UTC)


@pytest.mark.parametrize(
    ("unixtime", "meter_ts", "want"),
    [
        (0, 0, None),  # a clock never set (before SNTP): no device time at all
        (UNIXTIME, None, AT),  # no meter timestamp: the status's own clock
        (UNIXTIME, "soon", AT),  # an unreadable meter clock falls back too, the reading is kept
        ("noon", None, None),  # an unreadable status clock is no clock, not a reject
    ],
)
def test_gen1_clock_fallbacks(unixtime: object, meter_ts: object, want: datetime | None) -> None:
    status = _plug_status(unixtime=unixtime, meter_ts=meter_ts)
    (switch,) = rows(parse_gen1_status(status, make_ctx()), SWITCH_READINGS)
    assert switch["device_ts"] == want and switch["energy_wh"] == 3054.0


def test_gen1_info_topic_carries_the_device_clock_and_value_topics_do_not() -> None:
    router = ShellyMqtt()
    plug = "shellies/shellyplug-s-C18B12"
    (info,) = rows(send(router, f"{plug}/info", _plug_status(unixtime=UNIXTIME, meter_ts=UNIXTIME)), SWITCH_READINGS)
    (energy,) = rows(send(router, f"{plug}/relay/0/energy", "183240"), SWITCH_READINGS)
    assert info["device_ts"] == AT
    assert energy["device_ts"] is None  # a bare value says nothing about when


def test_gen2_notify_status_ts_and_status_topic_sys_unixtime() -> None:
    router = ShellyMqtt()
    full: dict[str, Any] = load("SNSW-001P16EU_1.4.4_status_rpc.json")["result"]
    frame = {
        "src": PLUS,
        "dst": f"{PLUS}/events",
        "method": "NotifyFullStatus",
        "params": {"ts": UNIXTIME + 0.25, **full},
    }
    (first,) = rows(send(router, f"{PLUS}/events/rpc", frame), SWITCH_READINGS)
    assert first["device_ts"] == datetime(2024, 5, 29, 16, 26, 40, 250000, tzinfo=UTC)
    sys_status = dict(full["sys"], unixtime=UNIXTIME + 60)
    (device,) = rows(send(router, f"{PLUS}/status/sys", sys_status), DEVICE_STATUS)
    assert device["device_ts"] == datetime(2024, 5, 29, 16, 27, 40, tzinfo=UTC)
    switch = dict(full["switch:0"], apower=5.0)
    (row,) = rows(send(router, f"{PLUS}/status/switch:0", switch), SWITCH_READINGS)
    assert row["device_ts"] is None  # a component's own topic has no clock


def test_gen2_http_status_uses_sys_unixtime() -> None:
    status = load("SPSW-004PE16EU_1.4.4_status.json")
    switches = rows(parse_gen2_status(status, make_ctx()), SWITCH_READINGS)
    unixtime = status["sys"]["unixtime"]
    assert {row["device_ts"] for row in switches} == {datetime.fromtimestamp(unixtime, UTC)}


def test_local_epoch_in_the_repeated_autumn_hour_takes_the_first() -> None:
    # 2024-10-27 02:30 happens twice in Berlin; the wall clock cannot say which, the earlier (CEST) is taken
    wall = datetime(2024, 10, 27, 2, 30, tzinfo=UTC).timestamp()
    assert v.local_epoch(wall, BERLIN) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
