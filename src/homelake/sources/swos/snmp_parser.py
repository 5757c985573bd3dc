"""Pure parsers: a switch's walked IF-MIB and BRIDGE-MIB tables (see `mibs.tabulate`) to swos/* lake rows."""

from __future__ import annotations

import json
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, Reject
from homelake.sources.swos.datasets import SWOS_FDB, SWOS_IF_COUNTERS
from homelake.sources.swos.mibs import Oid, SnmpTable

IF_COUNTERS, FDB = SWOS_IF_COUNTERS.key, SWOS_FDB.key
OPER_UP = 1
MAX_COUNTER = {32: 2**32 - 1, 64: 2**63 - 1}  # a Counter64 past int64 would not fit the lake: rejected
FDB_STATUS = {1: "other", 2: "invalid", 3: "learned", 4: "self", 5: "mgmt"}
_MAC_OCTETS, _OCTET_MAX = 6, 255
# (lake column, 64-bit column, 32-bit column): a 64-bit counter where the agent has one for the interface
WIDE, NARROW = 64, 32
OCTETS = (("in_octets", "hc_in_octets", "in_octets"), ("out_octets", "hc_out_octets", "out_octets"))
ERRORS = ("in_errors", "out_errors", "in_discards")


def _raw(item: object) -> bytes:
    return json.dumps(item, separators=(",", ":"), default=_jsonable).encode()


def _jsonable(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _text(value: object) -> str | None:
    if not isinstance(value, bytes):
        return None
    return value.decode("utf-8", "replace").strip("\x00 ") or None


def _count(name: str, value: object, bits: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNTER[bits]:
        raise ValueError(f"{name}: not a {bits}-bit counter: {value!r}")
    return value


def _speed_mbps(row: dict[str, Any]) -> int | None:
    high, speed = row.get("if_high_speed"), row.get("if_speed")
    if isinstance(high, int) and high > 0:
        return high
    if isinstance(speed, int) and speed > 0:
        return speed // 1_000_000
    return None


def _interface(index: int, row: dict[str, Any]) -> dict[str, Any]:
    bits = WIDE if all(isinstance(row.get(hc), int) for _, hc, _ in OCTETS) else NARROW
    octets = {name: _count(name, row.get(hc if bits == WIDE else c32), bits) for name, hc, c32 in OCTETS}
    status = row.get("if_oper_status")
    return {
        "if_index": index,
        "if_name": _text(row.get("if_name")) or _text(row.get("if_descr")),
        "is_up": None if not isinstance(status, int) else status == OPER_UP,
        "speed_mbps": _speed_mbps(row),
        "counter_bits": bits,
        **octets,
        **{name: _count(name, row.get(name), NARROW) for name in ERRORS},
    }


def parse_if_counters(table: SnmpTable, uptime_ticks: int | None, ctx: ParseContext) -> ParseResult:
    """ifTable + ifXTable -> one row per interface: raw counters (never deltas) and their width."""
    rows: dict[int, dict[str, Any]] = {}
    for column, cells in table.items():
        for cell, value in cells.items():
            if len(cell) == 1:
                rows.setdefault(cell[0], {})[column] = value
    uptime_s = uptime_ticks / 100 if isinstance(uptime_ticks, int) else None
    result = ParseResult(IF_COUNTERS)
    for index in sorted(rows):
        try:
            row = _interface(index, rows[index])
        except ValueError as exc:
            result.rejects.append(Reject(f"{IF_COUNTERS} ifIndex {index}: {exc}", _raw(rows[index])))
            continue
        result.rows.append(ctx.origin() | row | {"uptime_s": uptime_s})
    return result


def _mac(index: Oid) -> str:
    if len(index) != _MAC_OCTETS or any(not 0 <= octet <= _OCTET_MAX for octet in index):
        raise ValueError(f"not a MAC address index: {'.'.join(map(str, index))}")
    return ":".join(f"{octet:02x}" for octet in index)


def parse_fdb(table: SnmpTable, ctx: ParseContext) -> ParseResult:
    """dot1dTpFdbTable -> one row per MAC: its bridge port and, through dot1dBasePortIfIndex, its ifIndex."""
    if_index = {index[0]: value for index, value in table.get("base_port_if_index", {}).items() if len(index) == 1}
    status = table.get("fdb_status", {})
    result = ParseResult(FDB)
    for index, port in sorted(table.get("fdb_port", {}).items()):
        try:
            mac = _mac(index)
            if not isinstance(port, int):
                raise ValueError(f"dot1dTpFdbPort: not a number: {port!r}")
        except ValueError as exc:
            result.rejects.append(Reject(f"{FDB}: {exc}", _raw({"index": index, "port": port})))
            continue
        code = status.get(index)
        row = {
            "mac": mac,
            "bridge_port": port,
            "if_index": if_index.get(port) if isinstance(if_index.get(port), int) else None,
            "fdb_status": FDB_STATUS.get(code, f"unknown({code})") if isinstance(code, int) else None,
        }
        result.rows.append(ctx.origin() | row)
    return result
