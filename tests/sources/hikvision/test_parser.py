"""ISAPI XML parsers: namespace-agnostic deviceInfo, status, triggers (channels discovered) and storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.hikvision import SPEC, parser
from tests.sources.hikvision.conftest import fixture

KINDS = {kind.name: kind for kind in SPEC.parse_kinds}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "deviceinfo_ver20.xml",
            {"device_name": "Caméra Entrée", "model": "DS-2CD1043G2-I", "firmware": "V5.7.3",
             "firmware_build": "230313", "device_type": "IPCamera", "mac": "c0:56:e3:a1:b2:c3",
             "serial_number": "DS-2CD1043G2-I20230101AAWRJ12345678",
             "device_uid": "48a1b2c3-d4e5-11ee-8000-c056e3a1b2c3"},
        ),
        (
            "deviceinfo_ver10_nvr.xml",
            {"device_name": "NVR", "model": "DS-7608NI-K2", "device_type": "NVR", "mac": "c0:56:e3:00:00:10",
             "firmware_build": "210721"},
        ),
        ("deviceinfo_isapi_org.xml", {"device_name": "Driveway", "firmware": "V5.7.15", "mac": "c0:56:e3:a1:b2:c4"}),
        ("deviceinfo_nons.xml", {"device_name": "门口", "device_type": "IPC", "firmware": None, "serial_number": None}),
    ],
)  # fmt: skip
def test_device_info_in_every_namespace(ctx: ParseContext, name: str, expected: dict[str, object]) -> None:
    (result,) = KINDS["hikvision-deviceinfo"].run(fixture(name), ctx)
    assert result.dataset == "hikvision/device_info"
    assert not result.rejects
    (row,) = result.rows
    assert {k: row[k] for k in expected} == expected
    assert row["device_id"] == "front-door"


def test_device_info_without_model_is_rejected_with_its_bytes(ctx: ParseContext) -> None:
    raw = b"<DeviceInfo><deviceName>x</deviceName></DeviceInfo>"
    result = parser.parse_device_info(raw, ctx)
    assert not result.rows
    assert result.rejects[0].reason == "model: required but absent"
    assert result.rejects[0].payload == raw


@pytest.mark.parametrize(
    "raw",
    [b"<DeviceInfo><model>x</model>", b"not xml", b'<!DOCTYPE x [<!ENTITY a "b">]><DeviceInfo/>', b"<Other/>"],
)
def test_unusable_payload_is_a_payload_error(ctx: ParseContext, raw: bytes) -> None:
    with pytest.raises(PayloadError):
        parser.parse_device_info(raw, ctx)


def test_status_averages_cpus_and_converts_the_device_time(ctx: ParseContext) -> None:
    (row,) = parser.parse_status(fixture("status.xml"), ctx).rows
    assert row["device_time"] == datetime(2026, 12, 7, 14, 4, 5, tzinfo=UTC)
    assert row["uptime_s"] == 86400.0
    assert row["cpu_pct"] == 15.0
    assert (row["memory_used_mb"], row["memory_available_mb"]) == (120.5, 135.5)


def test_triggers_keep_methods_and_channels(ctx: ParseContext) -> None:
    rows = parser.parse_triggers(fixture("triggers_nvr.xml"), ctx).rows
    got = [(r["event_type"], r["channel"], r["notification_methods"], r["notifies_center"]) for r in rows]
    assert got == [("vmd", 1, "center,record", True), ("linedetection", 3, "email", False), ("io", 1, None, False)]


def test_channels_are_discovered_from_the_triggers() -> None:
    assert parser.channels_of(fixture("triggers_nvr.xml")) == [1, 3]
    assert parser.channels_of(b"<EventNotification/>") == [1]


def test_storage_flags_the_failed_sd_card(ctx: ParseContext) -> None:
    rows = parser.parse_storage(fixture("storage_failed_sd.xml"), ctx).rows
    got = [(r["disk_id"], r["status"], r["capacity_mb"], r["free_mb"], r["is_error"]) for r in rows]
    assert got == [("1", "error", 60906.0, 0.0, True), ("2", "ok", 953869.0, 1024.5, False)]
