"""`homelake parse powmr-8851` and `openmeteo-forecast` as a user runs them: one JSON row, or a one-line error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
OPENMETEO = Path(__file__).parents[1] / "openmeteo" / "fixtures"
HOMELAKE = Path(sys.executable).parent / "homelake"


def homelake(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HOMELAKE), *args], capture_output=True, text=True, timeout=60, check=False)


def test_a_saved_state_reply_is_one_row_with_the_issues_fields(tmp_path: Path) -> None:
    result = homelake("parse", "powmr-8851", str(FIXTURES / "POW-HVM4500-24V_grid_state.bin"))
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    wanted = {"pv_voltage_v": 224.0, "pv_current_a": 0.46, "pv_power_w": 97.0, "battery_voltage_v": 21.8,
              "battery_current_a": 14.9, "grid_voltage_v": 222.0, "grid_frequency_hz": 50.02, "load_power_w": 22.0,
              "load_va": 131.0, "inverter_voltage_v": 222.5, "bus_voltage_v": 326.6,
              "mode": "micro_grid_discharge"}  # fmt: skip
    assert {key: row[key] for key in wanted} == wanted and "battery_soc_pct" in row
    cut = tmp_path / "cut.bin"
    cut.write_bytes((FIXTURES / "POW-HVM4500-24V_grid_state.bin").read_bytes()[:100])
    bad = homelake("parse", "powmr-8851", str(cut))
    assert bad.returncode != 0 and "truncated frame: 100 of 154 bytes" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_open_meteo_rows_and_the_error_body() -> None:
    result = homelake("parse", "openmeteo-forecast", str(OPENMETEO / "forecast_v1_berlin_iso8601.json"))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["granularity"] for r in rows].count("hourly") == 4 and rows[0]["time"].startswith("2024-06-01T12:45")
    bad = homelake("parse", "openmeteo-forecast", str(OPENMETEO / "error_v1_400.json"))
    assert bad.returncode != 0 and "Open-Meteo refused the request" in bad.stderr and "Traceback" not in bad.stderr
    # the issue's name for the kind gives the same rows
    at = ("--observed-at", "2024-06-01T12:50:00Z")
    alias = homelake("parse", "open-meteo", str(OPENMETEO / "forecast_v1_berlin_iso8601.json"), *at)
    same = homelake("parse", "openmeteo-forecast", str(OPENMETEO / "forecast_v1_berlin_iso8601.json"), *at)
    assert alias.returncode == 0 and alias.stdout == same.stdout and len(alias.stdout.splitlines()) == len(rows)
