"""What the simulated inverter reports at an instant (from the site's power model), as words of a register map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homelake.sim.model.power import PowerCell, PowerModel
from homelake.sources.powmr.registers import RegisterMap, encode_value

AC_VOLTS, AC_HZ, POWER_FACTOR = 230.0, 50.0, 0.95
FULL_SOC = 0.99  # the charger floats above this
PV_VMP = 360.0  # a string of 9 modules at their maximum power point


def battery_volts(soc: float) -> float:
    """A 48 V LiFePO4 pack's terminal voltage, roughly linear in SoC between 46 and 54 V."""
    return round(46.0 + 8.0 * soc, 2)


def inverter_values(cell: PowerCell) -> dict[str, Any]:
    """The canonical values (powmr/status names) the inverter shows for a power-model cell."""
    volts = battery_volts(cell.soc)
    battery_a = round(cell.battery_w / volts, 1)
    pv_v = PV_VMP if cell.pv_w > 0 else 0.0
    gen_v = AC_VOLTS if cell.generator_on else 0.0
    return {
        "mode": cell.mode, "pv_voltage_v": pv_v, "pv_power_w": round(cell.pv_w),
        "pv_current_a": round(cell.pv_w / pv_v, 2) if pv_v else 0.0,
        "battery_voltage_v": volts, "battery_current_a": battery_a, "battery_soc_pct": round(cell.soc * 100),
        "battery_charge_current_a": max(0.0, battery_a), "battery_discharge_current_a": max(0.0, -battery_a),
        "grid_voltage_v": gen_v, "grid_current_a": round(cell.generator_w / gen_v, 2) if gen_v else 0.0,
        "grid_frequency_hz": AC_HZ if gen_v else 0.0,
        "inverter_voltage_v": AC_VOLTS if cell.load_w else 0.0, "inverter_frequency_hz": AC_HZ if cell.load_w else 0.0,
        "load_power_w": round(cell.load_w), "load_va": round(cell.load_w / POWER_FACTOR),
        "load_current_a": round(cell.load_w / POWER_FACTOR / AC_VOLTS, 2), "load_percent": round(cell.load_w / 65),
        "inverter_current_a": round(cell.load_w / POWER_FACTOR / AC_VOLTS, 2), "bus_voltage_v": 380.0,
        "temperature_1_c": 30 + round(cell.load_w / 250), "temperature_2_c": 28 + round(cell.pv_w / 300),
        "temperature_3_c": 27, "status_flags": 0b1000_0101 | (0x40 if cell.soc >= FULL_SOC else 0), "fault_code": 0,
        "charger_code": 2 if cell.battery_w > 0 else 1, "software_version": 0x0B81,
    }  # fmt: skip


def _code(register_map: RegisterMap, field: str, name: str) -> int:
    """The code a map's enum table gives `name` (0 when the map has no such name)."""
    table_name = next((f.enum for f in register_map.fields if f.name == field), None)
    table = register_map.tables.get(table_name or "", {})
    return next((code for code, label in table.items() if label == name), 0)


def words_for(register_map: RegisterMap, values: dict[str, Any]) -> dict[int, int]:
    """Unsigned 16-bit words by address for every field of the map the values cover (sub-word fields OR-ed in)."""
    values = dict(values)
    values["mode_code"] = _code(register_map, "mode_code", values["mode"])
    values["pv_mode_code"] = 3 if values["pv_power_w"] else 2
    words: dict[int, int] = {}
    for field in register_map.fields:
        if values.get(field.name) is None:
            continue
        if field.type in ("lo8", "hi8") or field.type.startswith("nib"):
            width, shift = (8, 8 if field.type == "hi8" else 0) if "8" in field.type else (4, 4 * int(field.type[3]))
            part = (int(values[field.name]) & ((1 << width) - 1)) << shift
            words[field.at] = words.get(field.at, 0) | part
        else:
            words[field.at] = encode_value(field, float(values[field.name]))
    return words


def words_at(model: PowerModel, register_map: RegisterMap, t: datetime) -> dict[int, int]:
    return words_for(register_map, inverter_values(model.cell(t)))
