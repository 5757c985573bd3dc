"""Pure parsers: decoded inverter words -> powmr/status rows, and two consecutive rows -> a powmr/energy row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.powmr import codec, registers
from homelake.sources.powmr.datasets import POWER_COLUMNS, POWMR_ENERGY, POWMR_STATUS
from homelake.sources.powmr.registers import RegisterMap

STATUS = POWMR_STATUS.key
STATUS_COLUMNS = tuple(POWMR_STATUS.schema.names)
ENERGY = POWMR_ENERGY.key

# Physically plausible ranges for a 48 V hybrid inverter; a value outside says the map does not fit the device.
RANGES: dict[str, tuple[float, float]] = {
    "pv_voltage_v": (0, 600), "pv_power_w": (0, 12000), "battery_voltage_v": (0, 80),
    "battery_current_a": (-400, 400), "battery_soc_pct": (0, 100), "grid_voltage_v": (0, 300),
    "grid_frequency_hz": (0, 70), "load_power_w": (0, 15000), "load_va": (0, 20000),
    "inverter_voltage_v": (0, 300), "inverter_frequency_hz": (0, 70), "bus_voltage_v": (0, 600),
}  # fmt: skip


def _product(a: str, b: str) -> Callable[[dict[str, Any]], float | None]:
    def derive(row: dict[str, Any]) -> float | None:
        return None if row.get(a) is None or row.get(b) is None else round(row[a] * row[b], 3)

    return derive


def _battery_current(row: dict[str, Any]) -> float | None:
    charge, discharge = row.get("battery_charge_current_a"), row.get("battery_discharge_current_a")
    return None if charge is None or discharge is None else charge - discharge


def _pv_current(row: dict[str, Any]) -> float | None:
    volts, watts = row.get("pv_voltage_v"), row.get("pv_power_w")
    return round(watts / volts, 3) if volts and watts is not None else None


def _charger_state(row: dict[str, Any]) -> str | None:
    flags = set((row.get("flags") or "").split(","))
    current = row.get("battery_current_a")
    if "floating_charge" in flags:
        return "float"
    if current is None:
        return None
    return "charging" if current > 0 else "discharging" if current < 0 else "idle"


# Values a map may not give directly, derived in this order (only when absent).
DERIVED: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("battery_current_a", _battery_current),
    ("pv_current_a", _pv_current),
    ("battery_power_w", _product("battery_voltage_v", "battery_current_a")),
    ("grid_power_w", _product("grid_voltage_v", "grid_current_a")),
    ("charger_state", _charger_state),
)


def status_row(
    register_map: RegisterMap, words: Mapping[int, int], ctx: ParseContext, ac_input: str | None = None
) -> dict[str, Any]:
    """One powmr/status row from raw words keyed by address (8851: word index; Modbus: register number)."""
    values = registers.decode(register_map, words)
    values["flags"] = values.pop("status_flags_names", None)
    values["faults"] = values.pop("fault", None)
    values.pop("pv_mode", None)
    values["charger_state"] = values.pop("charger", None)
    for name, derive in DERIVED:
        if values.get(name) is None:
            values[name] = derive(values)
    if values.get("fault_code") is None and values.get("mode") == "fault":
        values["faults"] = "fault_mode"
    out = [n for n, (low, high) in RANGES.items() if values.get(n) is not None and not low <= values[n] <= high]
    row = ctx.origin() | {
        "protocol": register_map.protocol, "register_map": register_map.name, "ac_input": ac_input,
        "out_of_range": ",".join(out) or None,
    }  # fmt: skip
    for name in STATUS_COLUMNS:
        row.setdefault(name, values.get(name))
    for name in POWER_COLUMNS:
        if row[name] is not None:
            row[name] = float(row[name])
    return row


def parse_8851(raw: bytes, ctx: ParseContext, register_map: RegisterMap, ac_input: str | None = None) -> ParseResult:
    """A saved 8851 state-reply frame -> one powmr/status row; PayloadError for a bad frame (CRC, truncated)."""
    try:
        frame = codec.decode(raw)
    except codec.FrameError as exc:
        raise PayloadError(str(exc)) from None
    if not frame.is_state_reply:
        raise PayloadError(
            f"not a state reply: command {frame.command:04x}, address {frame.address:04x}, {len(frame.words)} words"
        )
    words = {index: word & 0xFFFF for index, word in enumerate(frame.words)}
    return ParseResult(STATUS, [status_row(register_map, words, ctx, ac_input)])


def _wh(before: float | None, after: float | None, seconds: float, sign: int = 0) -> float | None:
    """Trapezoid energy of a power between two polls; `sign` +1/-1 keeps only the positive/negative part."""
    if before is None or after is None:
        return None
    if sign:
        before, after = max(0.0, sign * before), max(0.0, sign * after)
    return (before + after) / 2 * seconds / 3600.0


def energy_row(previous: Mapping[str, Any], current: Mapping[str, Any], max_gap_s: float) -> dict[str, Any] | None:
    """Energies between two status rows of one inverter; a gap longer than `max_gap_s` is marked, not bridged."""
    start: datetime = previous["observed_at"]
    end: datetime = current["observed_at"]
    seconds = (end - start).total_seconds()
    if seconds <= 0:
        return None
    gap = seconds > max_gap_s
    flows = {
        "pv_wh": _wh(previous.get("pv_power_w"), current.get("pv_power_w"), seconds),
        "load_wh": _wh(previous.get("load_power_w"), current.get("load_power_w"), seconds),
        "battery_charge_wh": _wh(previous.get("battery_power_w"), current.get("battery_power_w"), seconds, 1),
        "battery_discharge_wh": _wh(previous.get("battery_power_w"), current.get("battery_power_w"), seconds, -1),
        "ac_input_wh": _wh(previous.get("grid_power_w"), current.get("grid_power_w"), seconds),
    }
    origin = {key: current[key] for key in ("observed_at", "received_at", "family", "device_id", "collector")}
    return origin | {
        "period_start": start, "period_end": end, "duration_s": seconds, "is_gap": gap,
        "ac_input": current.get("ac_input"),
    } | {name: (None if gap or wh is None else round(wh, 6)) for name, wh in flows.items()}  # fmt: skip
