"""Gen2+ energy meters (Pro EM, Pro 3EM, EM Gen3): `em`/`emdata` phases and `em1`/`em1data` channels as meter rows.

A three-phase meter (`em:N` with its counters in `emdata:N`) becomes one row per phase, channel
`3*N + phase` (a=0, b=1, c=2): each phase is an energy channel of its own, as a Pro 4PM's outputs are.
The totals over the phases (`total_act_power`, `total_act`, ...) are their sums and are not kept, so
energy is never counted twice. A single-phase meter channel (`em1:N` with `em1data:N`) is channel N.
Energy counters are Wh: `*_act_energy` is imported (consumed), `*_act_ret_energy` returned (exported).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from homelake.sources.shelly import values as v

Values = dict[str, Any]
Columns = tuple[tuple[str, str, Callable[[Any], Any]], ...]  # (column, field in the component, convert)

PHASES = ("a", "b", "c")

# Per-phase fields of `em:N` and `emdata:N`; the field names carry the phase as a prefix (`a_act_power`).
_EM_PHASE: Columns = (
    ("power_w", "act_power", v.number),
    ("apparent_power_va", "aprt_power", v.number),
    ("voltage_v", "voltage", v.number),
    ("current_a", "current", v.number),
    ("pf", "pf", v.number),
    ("freq_hz", "freq", v.number),
)
_EMDATA_PHASE: Columns = (
    ("energy_wh", "total_act_energy", v.number),
    ("returned_energy_wh", "total_act_ret_energy", v.number),
)

# `em1:N` and `em1data:N`: the same fields without a phase prefix.
_EM1: Columns = _EM_PHASE
_EM1DATA: Columns = _EMDATA_PHASE

# meter component -> its counters' component; either one appearing (a NotifyStatus delta) gives the rows.
COUNTERS = {"em": "emdata", "em1": "em1data"}
METER_KINDS = frozenset({*COUNTERS, *COUNTERS.values()})


def _object(item: object, key: str) -> Mapping[str, Any]:
    if item is None:
        return {}
    if not isinstance(item, Mapping):
        raise ValueError(f"{key}: expected an object, got {type(item).__name__}")
    return item


def _fields(table: Columns, item: Mapping[str, Any], prefix: str = "") -> Values:
    return {column: convert(item.get(prefix + field)) for column, field, convert in table}


def _errors(*lists: object) -> str | None:
    """The phase's own errors (`a_errors`) and the meter's (`errors`, e.g. `phase_sequence`), comma-joined."""
    joined = [e for e in (v.errors(item) for item in lists) if e]
    return ",".join(dict.fromkeys(joined)) or None


def _phase(parts: Callable[[], tuple[Mapping[str, Any], Mapping[str, Any]]], phase: str) -> Values:
    meter, counters = parts()
    return (
        _fields(_EM_PHASE, meter, f"{phase}_")
        | _fields(_EMDATA_PHASE, counters, f"{phase}_")
        | {"errors": _errors(meter.get(f"{phase}_errors"), meter.get("errors"))}
    )


def _single(parts: Callable[[], tuple[Mapping[str, Any], Mapping[str, Any]]]) -> Values:
    meter, counters = parts()
    return _fields(_EM1, meter) | _fields(_EM1DATA, counters) | {"errors": _errors(meter.get("errors"))}


Row = tuple[str, int, Callable[[], Values]]  # component, channel, its column values


def meter_rows(status: Mapping[str, Any], kind: str, index: int) -> list[Row]:
    """The rows of meter `index` named by any of its two components (`em:0` or `emdata:0` -> 3 phases)."""
    meter_kind = next((m for m, c in COUNTERS.items() if kind in (m, c)), None)
    if meter_kind is None:
        raise KeyError(kind)
    meter_key, counters_key = f"{meter_kind}:{index}", f"{COUNTERS[meter_kind]}:{index}"

    def parts() -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        return _object(status.get(meter_key), meter_key), _object(status.get(counters_key), counters_key)

    if meter_kind == "em1":
        return [("em1", index, partial(_single, parts))]
    return [("em", len(PHASES) * index + number, partial(_phase, parts, phase)) for number, phase in enumerate(PHASES)]
