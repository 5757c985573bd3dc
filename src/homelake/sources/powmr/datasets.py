"""The powmr family's lake datasets: their Arrow schemas are the contract with the dbt sources."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column

POWER_COLUMNS = (
    "pv_voltage_v", "pv_current_a", "pv_power_w",
    "battery_voltage_v", "battery_current_a", "battery_power_w", "battery_soc_pct",
    "grid_voltage_v", "grid_current_a", "grid_frequency_hz", "grid_power_w",
    "load_power_w", "load_va", "load_current_a", "load_percent",
    "inverter_voltage_v", "inverter_current_a", "inverter_frequency_hz", "bus_voltage_v",
    "temperature_1_c", "temperature_2_c", "temperature_3_c",
    "pv_energy_today_kwh", "load_energy_today_kwh",
)  # fmt: skip

POWMR_STATUS = Dataset(
    "powmr",
    "status",
    (
        column("protocol", S, False),  # 8851 | modbus
        column("register_map", S, False),
        column("ac_input", S),  # what feeds the AC input: grid | generator (from the site file)
        column("mode", S),
        column("mode_code", I),
        column("charger_state", S),
        column("status_flags", I),
        column("flags", S),  # names of the set status bits, comma-separated
        column("fault_code", I),
        column("faults", S),
        *(column(name, F) for name in POWER_COLUMNS),
        column("out_of_range", S),  # fields whose value is physically implausible (wrong register map?)
    ),
    "One row per poll of an inverter: PV, battery (current positive charging), AC input, load, mode, temperatures.",
)

POWMR_ENERGY = Dataset(
    "powmr",
    "energy",
    (
        column("period_start", UTC_TS, False),
        column("period_end", UTC_TS, False),
        column("duration_s", F, False),
        column("is_gap", B, False),  # longer than max_gap_s: not bridged, energies null
        column("ac_input", S),
        column("pv_wh", F),
        column("load_wh", F),
        column("battery_charge_wh", F),
        column("battery_discharge_wh", F),
        column("ac_input_wh", F),
    ),
    "Energy of each flow between two consecutive polls (trapezoid of power); gaps longer than the bound are marked.",
)

DATASETS: tuple[Dataset, ...] = (POWMR_STATUS, POWMR_ENERGY)
