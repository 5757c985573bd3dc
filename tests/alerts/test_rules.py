"""The alert rules over small real marts: unknown devices, silent vs failing devices, unusual circuit power,
the lake's disk and growing dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from homelake.alerts.config import AlertRules
from homelake.alerts.rules import RuleInput, evaluate_rules
from tests.alerts.marts import write_marts

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def run(tmp_path: Path, rows: dict[str, list[dict[str, Any]]], memo: dict[str, Any] | None = None,
        **rules: Any) -> dict[str, str]:  # fmt: skip
    path = tmp_path / "marts.duckdb"
    write_marts(path, rows)
    with duckdb.connect(str(path), read_only=True) as con:
        found, skipped = evaluate_rules(RuleInput(con, tmp_path, AlertRules(**{"disk_used_pct": 100, **rules}),
                                                  memo if memo is not None else {}))  # fmt: skip
    assert skipped == []
    return {c.key: c.message for c in found}


def test_unknown_devices_seen_recently_are_alerts(tmp_path: Path) -> None:
    inv = [
        {"mac": "aa:00:00:00:00:01", "display_name": "tv", "current_ip": "192.168.88.7", "first_seen_at": T0,
         "last_seen_at": T0, "is_known": False, "as_of_at": T0},
        {"mac": "aa:00:00:00:00:02", "display_name": "old", "first_seen_at": T0 - timedelta(days=3),
         "last_seen_at": T0 - timedelta(days=2), "is_known": False, "as_of_at": T0},
        {"mac": "aa:00:00:00:00:03", "display_name": "Laptop", "first_seen_at": T0, "last_seen_at": T0,
         "is_known": True, "as_of_at": T0},
    ]  # fmt: skip
    assert list(run(tmp_path, {"inventory": inv})) == ["unknown_device/aa:00:00:00:00:01"]


def test_a_device_talking_outside_its_allow_list_is_one_alert(tmp_path: Path) -> None:
    """One alert per device naming every destination; a device whose last such connection is over the window
    older than the newest one is over."""

    def row(mac: str, country: str | None, asn: int, seen: timedelta) -> dict[str, Any]:
        return {"mac": mac, "device_name": f"dev {mac[-1]}", "device_type": "vacuum", "country_code": country,
                "asn": asn, "as_org": None, "first_seen_at": T0 - seen, "last_seen_at": T0 - seen}  # fmt: skip

    rows = [row("aa:00:00:00:00:01", "CN", 64510, timedelta(0)), row("aa:00:00:00:00:01", None, 64999, timedelta(1)),
            row("aa:00:00:00:00:02", "US", 64501, timedelta(days=2))]  # fmt: skip
    found = run(tmp_path, {"device_destinations_unexpected": rows})
    assert list(found) == ["unexpected_destination/aa:00:00:00:00:01"]
    message = found["unexpected_destination/aa:00:00:00:00:01"]
    assert "CN / AS64510" in message and "?? / AS64999" in message


def test_a_silent_device_and_a_failing_collector_are_one_alert_each(tmp_path: Path) -> None:
    def device(name: str, **kw: Any) -> dict[str, Any]:
        return {"device": f"zigbee/{name}", "family": "zigbee", "device_id": name, "kind": "sensor",
                "last_seen_at": T0 - timedelta(hours=1), "failing_since": T0 - timedelta(minutes=55),
                "expected_every_s": 300.0, "last_error": "no data", "is_poll_failing": False, "is_failing": True,
                **kw}  # fmt: skip

    rows = {
        "device_expectations": [
            device("hall"),
            device("fw", family="mikrotik", device="mikrotik/fw", kind="poll target", is_poll_failing=True),
            device("kitchen", is_failing=False, failing_since=None),
        ],
        "collector_targets": [{"source_family": "mikrotik", "target": "fw", "is_failing": True}],
    }
    found = run(tmp_path, rows)
    assert sorted(found) == ["collector_failing/mikrotik/fw", "device_silent/zigbee/hall"]
    assert "sent nothing since 2026-11-03 08:00 UTC; it reports every 300 s" in found["device_silent/zigbee/hall"]


def test_a_circuit_far_above_its_usual_power_for_the_hour(tmp_path: Path) -> None:
    def hour(circuit: str, at: datetime, watts: float, coverage: float = 1.0) -> dict[str, Any]:
        return {"circuit": circuit, "hour_start_at": at, "hour_start_local": at.replace(tzinfo=None),
                "avg_power_w": watts, "coverage": coverage}  # fmt: skip

    days = [T0 - timedelta(days=d) for d in range(1, 8)]
    rows = {"energy_hourly_by_circuit": [
        *(hour("kettle", at, 200 + 10 * i) for i, at in enumerate(days)),  # usually 200-260 W at 09:00
        hour("kettle", T0, 1500),  # 1.5 kW now: far above 3 x 257 + 100
        *(hour("fridge", at, 80) for at in days), hour("fridge", T0, 300),  # within 3 x 80 + 100 = 340 W
        *(hour("heater", at, 50) for at in days[:3]), hour("heater", T0, 2000),  # too little history
        *(hour("pump", at, 100) for at in days), hour("pump", T0, 5000, coverage=0.5),  # partial hour: not judged
    ]}  # fmt: skip
    found = run(tmp_path, rows)
    assert list(found) == ["circuit_power/kettle"]
    assert (
        "kettle drew 1500 W in the hour from 2026-11-03 09:00 UTC; usually at most 257 W"
        in found["circuit_power/kettle"]
    )


def test_the_lake_disk_threshold(tmp_path: Path) -> None:
    assert "lake_disk_full" in run(tmp_path, {}, disk_used_pct=0.001)
    assert "lake_disk_full" not in run(tmp_path, {}, disk_used_pct=100)


def test_dead_letters_growing_since_the_last_evaluation(tmp_path: Path) -> None:
    def dead(count: int) -> dict[str, list[dict[str, Any]]]:
        return {"rpt_dead_letters_by_dataset": [{"source_family": "shelly", "dataset": "shelly/switch_readings",
                "reject_count": count, "last_rejected_at": T0, "last_reason": "bad JSON"}]}  # fmt: skip

    memo: dict[str, Any] = {}
    assert run(tmp_path, dead(3), memo) == {}  # the first evaluation only takes note
    assert run(tmp_path, dead(3), memo) == {}
    grown = run(tmp_path, dead(5), memo)
    assert list(grown) == ["dead_letters/shelly/shelly/switch_readings"]
    assert grown["dead_letters/shelly/shelly/switch_readings"].startswith("2 new rejected rows")
    assert run(tmp_path, dead(5), memo) == {}
