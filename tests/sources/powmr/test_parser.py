"""PowMR parsers on recorded 8851 frames and on Modbus words; energy between polls with the gap rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.powmr import parser
from homelake.sources.powmr.datasets import POWMR_ENERGY, POWMR_STATUS
from homelake.sources.powmr.registers import RegisterMapError, load_map

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def ctx(at: datetime = T0) -> ParseContext:
    return ParseContext("powmr", "inverter", "test", at, at, UTC)


def parse(name: str) -> dict[str, object]:
    result = parser.parse_8851((FIXTURES / name).read_bytes(), ctx(), load_map("inv8851"), "grid")
    assert result.dataset == "powmr/status" and len(result.rows) == 1
    row = result.rows[0]
    assert set(row) == set(POWMR_STATUS.schema.names)
    return row


def test_grid_frame_values_as_the_owner_decoded_them() -> None:
    row = parse("POW-HVM4500-24V_grid_state.bin")
    assert (row["inverter_voltage_v"], row["grid_voltage_v"], row["battery_voltage_v"]) == (222.5, 222.0, 21.8)
    assert (row["battery_current_a"], row["pv_voltage_v"], row["pv_current_a"], row["pv_power_w"]) == (
        14.9, 224.0, 0.46, 97.0,
    )  # fmt: skip
    assert (row["bus_voltage_v"], row["load_power_w"], row["load_va"], row["grid_frequency_hz"]) == (
        326.6, 22.0, 131.0, 50.02,
    )  # fmt: skip
    assert row["battery_power_w"] == pytest.approx(21.8 * 14.9)
    assert row["mode"] == "micro_grid_discharge" and row["charger_state"] == "charging"
    assert row["flags"] is not None and "system_power" in str(row["flags"])
    assert row["out_of_range"] is None and row["ac_input"] == "grid"


def test_battery_frame_is_discharging() -> None:
    row = parse("POW-HVM4500-24V_battery_state.bin")
    assert row["battery_current_a"] == -3.6 and row["charger_state"] == "discharging"
    assert row["mode"] == "discharge" and row["grid_voltage_v"] == 0.0
    assert row["battery_power_w"] is not None and float(str(row["battery_power_w"])) < 0


def test_a_bad_frame_is_a_payload_error() -> None:
    raw = (FIXTURES / "POW-HVM4500-24V_grid_state.bin").read_bytes()
    with pytest.raises(PayloadError, match="CRC error"):
        parser.parse_8851(raw[:-1] + b"\x00", ctx(), load_map("inv8851"))
    with pytest.raises(PayloadError, match="truncated"):
        parser.parse_8851(raw[:80], ctx(), load_map("inv8851"))


def test_hvm_map_swaps_bytes_and_derives_battery_current() -> None:
    hvm = load_map("hvm_hm")
    assert hvm.slave == 5 and hvm.blocks[0] == (4501, 45)
    swap = lambda v: ((v & 0xFF) << 8) | (v >> 8)  # noqa: E731
    words = {4501: swap(3), 4502: swap(2301), 4506: swap(524), 4507: swap(81), 4508: swap(0), 4509: swap(12),
             4505: swap(1800), 4504: swap(3600), 4513: swap(950), 4530: swap(7)}  # fmt: skip
    row = parser.status_row(hvm, words, ctx())
    assert (row["grid_voltage_v"], row["battery_voltage_v"], row["battery_soc_pct"]) == (230.1, 52.4, 81.0)
    assert row["battery_current_a"] == -12.0 and row["pv_current_a"] == 5.0 and row["load_va"] == 950.0
    assert row["mode"] == "off_grid" and row["fault_code"] == 7 and row["faults"] == "fault_code_7"


def test_a_map_that_does_not_fit_is_flagged_out_of_range() -> None:
    srne = load_map("srne")
    row = parser.status_row(srne, {0x0100: 250, 0x0101: 6000}, ctx())  # 250 %, 600 V: not this device
    assert row["out_of_range"] == "battery_voltage_v,battery_soc_pct"


def test_unknown_map_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegisterMapError, match="built-in maps: hvm_hm, inv8851, srne"):
        load_map("nope")
    bad = tmp_path / "mine.yaml"
    bad.write_text("fields:\n  - {name: x, at: 1, type: f32}\n")
    with pytest.raises(RegisterMapError, match="unknown type 'f32'"):
        load_map(bad)


def status(at: datetime, pv: float, load: float, battery: float, grid: float) -> dict[str, object]:
    return ctx(at).origin() | {"pv_power_w": pv, "load_power_w": load, "battery_power_w": battery,
                               "grid_power_w": grid, "ac_input": "generator"}  # fmt: skip


def test_energy_is_the_trapezoid_and_splits_battery_direction() -> None:
    before = status(T0, 1000.0, 600.0, 400.0, 0.0)
    after = status(T0 + timedelta(seconds=36), 2000.0, 600.0, -200.0, 5500.0)
    row = parser.energy_row(before, after, max_gap_s=60)
    assert row is not None and set(row) == set(POWMR_ENERGY.schema.names)
    assert row["pv_wh"] == pytest.approx(15.0) and row["load_wh"] == pytest.approx(6.0)
    assert row["battery_charge_wh"] == pytest.approx(2.0) and row["battery_discharge_wh"] == pytest.approx(1.0)
    assert row["ac_input_wh"] == pytest.approx(27.5) and row["is_gap"] is False


def test_a_long_gap_is_marked_never_bridged() -> None:
    before = status(T0, 1000.0, 600.0, 0.0, 0.0)
    row = parser.energy_row(before, status(T0 + timedelta(seconds=61), 1000.0, 600.0, 0.0, 0.0), max_gap_s=60)
    assert row is not None and row["is_gap"] is True and row["pv_wh"] is None and row["duration_s"] == 61
    assert parser.energy_row(before, before, max_gap_s=60) is None


def test_config_says_what_is_missing() -> None:
    from pydantic import ValidationError

    from homelake.sources.powmr.config import PowmrInverter

    with pytest.raises(ValidationError, match="needs host"):
        PowmrInverter(name="inv")
    with pytest.raises(ValidationError, match="8851 frames are read through a raw TCP bridge"):
        PowmrInverter(name="inv", transport="serial", port="/dev/ttyUSB0")
    with pytest.raises(ValidationError, match="needs port: the device path"):
        PowmrInverter(name="inv", register_map="hvm_hm", transport="serial", port=5)
