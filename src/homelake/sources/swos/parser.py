"""Pure parsers: SwOS / SwOS Lite `.b` answers (already read by `bformat.loads`) to swos/* lake rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.swos.bformat import text_of
from homelake.sources.swos.datasets import SWOS_HOSTS, SWOS_LINKS, SWOS_POE, SWOS_SYSTEM

POE, LINKS, HOSTS, SYSTEM = SWOS_POE.key, SWOS_LINKS.key, SWOS_HOSTS.key, SWOS_SYSTEM.key

# The web UI's PoE status list, indexed by the status code (same on SwOS and SwOS Lite).
POE_STATES = (
    None, "disabled", "waiting for load", "powered on", "overload", "short circuit",
    "voltage too low", "current too low", "power cycle", "voltage too high", "controller error",
)  # fmt: skip
# Link speed codes: 1 = 10M, 2 = 100M, 3 = 1G, 5 = 2.5G, 7 = 10G are seen on real switches; 0 = no link.
SPEED_MBPS = {0: None, 1: 10, 2: 100, 3: 1000, 4: 5000, 5: 2500, 6: 10000, 7: 10000}
_MAC_HEX_LEN = 12


def _number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def _tenths(value: object) -> float:
    return _number(value) / 10


def _poe_state(value: object) -> str | None:
    code = _number(value)
    return POE_STATES[code] if 0 <= code < len(POE_STATES) else f"unknown({code})"


def _speed(value: object) -> int | None:
    return SPEED_MBPS.get(_number(value))


def _mac(value: object) -> str:
    text = value if isinstance(value, str) else ""
    if len(text) != _MAC_HEX_LEN or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"not a MAC address: {value!r}")
    return ":".join(text[i : i + 2] for i in range(0, _MAC_HEX_LEN, 2)).lower()


@dataclass(frozen=True)
class PortColumn:
    """One per-port column: from the first present of `keys`, an array (one item per port) or a bitmask."""

    name: str
    keys: tuple[str, ...]
    convert: Callable[[object], Any]
    bitmask: bool = False

    def value(self, data: dict[str, Any], index: int) -> object:
        key = next((k for k in self.keys if k in data), None)
        if key is None:
            return None
        raw = data[key]
        try:
            if self.bitmask:
                return bool(_number(raw) >> index & 1)
            if not isinstance(raw, list):
                raise ValueError("expected an array")
            return None if index >= len(raw) else self.convert(raw[index])
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None


def _col(name: str, keys: str, convert: Callable[[object], Any] = _number, *, bitmask: bool = False) -> PortColumn:
    return PortColumn(name, tuple(keys.split("|")), convert, bitmask)


# SwOS Lite keys first (hex ids), then full SwOS names.
POE_PORTS = "i01|poe"  # the PoE mode array: one item per PoE-capable port
POE_COLUMNS = (
    _col("poe_state", "i04|poes", _poe_state),
    _col("power_w", "i07|pwr", _tenths),  # 0.1 W
    _col("voltage_v", "i06|volt", _tenths),  # 0.1 V
    _col("current_ma", "i05|curr"),
)
LINK_PORTS = "i0a|nm"  # port names: one per port
LINK_COLUMNS = (
    _col("name", "i0a|nm", text_of),
    _col("is_up", "i06|lnk", bitmask=True),
    _col("speed_mbps", "i05|spd", _speed),
)
SYSTEM_FIELDS: tuple[tuple[str, str, Callable[[object], Any]], ...] = (
    ("identity", "i05|id", text_of),
    ("model", "i07|brd", text_of),
    ("version", "i06|ver", text_of),
    ("temperature_c", "temp", lambda v: float(_number(v))),  # SwOS only
    ("power_w", "pwr", _tenths),  # [U] 0.1 W, where a firmware reports it; SwOS Lite does not
)


def _raw(item: object) -> bytes:
    return json.dumps(item, separators=(",", ":"), default=str).encode()


def _object(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PayloadError(f"{what}: expected an object, got {type(data).__name__}")
    return data


def _ports(dataset: str, data: object, ctx: ParseContext, count_key: str, columns: Sequence[PortColumn]) -> ParseResult:
    """One row per port; a port with a malformed value is rejected and the other ports carry on."""
    table = _object(data, dataset)
    key = next((k for k in count_key.split("|") if k in table), None)
    if key is None or not isinstance(table[key], list):
        raise PayloadError(f"{dataset}: no per-port array {count_key!r}")
    result = ParseResult(dataset)
    for index in range(len(table[key])):
        try:
            row = {"port": index + 1} | {c.name: c.value(table, index) for c in columns}
        except ValueError as exc:
            result.rejects.append(Reject(f"{dataset} port {index + 1}: {exc}", _raw(table)))
            continue
        result.rows.append(ctx.origin() | row)
    return result


def parse_poe(data: object, ctx: ParseContext) -> ParseResult:
    """`poe.b` -> one row per PoE port (watts, volts, milliamps as measured; 0 when unpowered)."""
    return _ports(POE, data, ctx, POE_PORTS, POE_COLUMNS)


def parse_links(data: object, ctx: ParseContext) -> ParseResult:
    """`link.b` -> one row per port."""
    return _ports(LINKS, data, ctx, LINK_PORTS, LINK_COLUMNS)


def parse_hosts(data: object, ctx: ParseContext) -> ParseResult:
    """`!dhost.b` -> one row per learned MAC (`i02` is the 0-based port index)."""
    if not isinstance(data, list):
        raise PayloadError(f"host table: expected an array, got {type(data).__name__}")
    result = ParseResult(HOSTS)
    for index, item in enumerate(data):
        try:
            host = _object(item, "host")
            port = host.get("i02", host.get("prt"))
            row = {"mac": _mac(host.get("i01", host.get("adr"))), "port": None if port is None else _number(port) + 1}
        except (ValueError, PayloadError) as exc:
            result.rejects.append(Reject(f"{HOSTS} item {index}: {exc}", _raw(item)))
            continue
        result.rows.append(ctx.origin() | row)
    return result


def parse_system(data: object, ctx: ParseContext) -> ParseResult:
    """`sys.b` -> one row (texts are hex-encoded on the wire)."""
    table = _object(data, SYSTEM)
    result = ParseResult(SYSTEM)
    row: dict[str, Any] = {}
    try:
        for name, keys, convert in SYSTEM_FIELDS:
            key = next((k for k in keys.split("|") if k in table), None)
            row[name] = None if key is None else convert(table[key])
    except ValueError as exc:
        result.rejects.append(Reject(f"{SYSTEM}: {name}: {exc}", _raw(table)))
        return result
    result.rows.append(ctx.origin() | row)
    return result
