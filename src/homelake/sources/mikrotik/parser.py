"""Pure parsers: RouterOS REST payloads (already JSON-decoded) to mikrotik/* lake rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.columns import Column, Convert, col, plain
from homelake.sources.mikrotik import values as v
from homelake.sources.mikrotik.datasets import (
    MIKROTIK_DHCP_LEASES,
    MIKROTIK_INTERFACES,
    MIKROTIK_SYSTEM,
    MIKROTIK_WIFI_CLIENTS,
)

DHCP_LEASES = MIKROTIK_DHCP_LEASES.key
WIFI_CLIENTS = MIKROTIK_WIFI_CLIENTS.key
INTERFACES = MIKROTIK_INTERFACES.key
SYSTEM = MIKROTIK_SYSTEM.key
WIFI_MENUS = ("wifi", "wifiwave2", "wireless", "capsman")


def _local_time(value: object, ctx: ParseContext) -> object:
    return v.parse_local_time(value, ctx.local_tz)


LOCAL_TIME: Convert = _local_time


TEXT, BOOL, INT, FLOAT = (
    plain(v.parse_text),
    plain(v.parse_bool),
    plain(v.parse_int),
    plain(v.parse_float),
)
DURATION, MAC, IP, MTU = (
    plain(v.parse_duration),
    plain(v.parse_mac),
    plain(v.parse_ip),
    plain(v.parse_mtu),
)
RATE, SIGNAL = plain(v.parse_rate), plain(v.parse_signal)
# `bytes` is one "tx,rx" string (AP perspective: first = sent to the client).
PAIR_TX, PAIR_RX = plain(lambda s: v.parse_pair(s)[0]), plain(lambda s: v.parse_pair(s)[1])


def is_set(value: object) -> bool:
    """Whether RouterOS set a value: an absent key and a blank string are both unset."""
    return v.present(value) is not None


def _col(name: str, keys: str, convert: Convert, *, required: bool = False) -> Column:
    return col(name, keys, convert, required=required, is_set=is_set)


LEASE_COLUMNS = (
    _col("lease_id", ".id", TEXT),
    _col("mac", "mac-address", MAC, required=True),  # never derived from client-id
    _col("ip", "address", IP),  # static leases may name a pool instead: not an ip
    _col("active_ip", "active-address", IP),
    _col("hostname", "host-name", TEXT),
    _col("client_id", "client-id", TEXT),  # opaque: RouterOS drops leading zeros of bytes
    _col("status", "status", TEXT),
    _col("server", "server", TEXT),
    _col("is_dynamic", "dynamic", BOOL),
    _col("is_blocked", "blocked", BOOL),
    _col("is_disabled", "disabled", BOOL),
    _col("last_seen_s", "last-seen", DURATION),
    _col("expires_after_s", "expires-after", DURATION),
    _col("comment", "comment", TEXT),
)

WIFI_COLUMNS = (
    _col("interface", "interface", TEXT),
    _col("ssid", "ssid", TEXT),
    _col("mac", "mac-address", MAC, required=True),
    # v7 wifi/wifiwave2 `signal`, legacy wireless `signal-strength`, legacy CAPsMAN `rx-signal`.
    _col("signal_dbm", "signal|signal-strength|rx-signal", SIGNAL),
    _col("tx_rate_bps", "tx-rate", RATE),
    _col("rx_rate_bps", "rx-rate", RATE),
    _col("tx_bytes", "bytes", PAIR_TX),
    _col("rx_bytes", "bytes", PAIR_RX),
    _col("uptime_s", "uptime", DURATION),
    _col("last_activity_s", "last-activity", DURATION),
    _col("last_ip", "last-ip", IP),
    _col("comment", "comment", TEXT),
)

INTERFACE_COLUMNS = (
    _col("interface_id", ".id", TEXT),
    _col("interface", "name", TEXT, required=True),
    _col("default_name", "default-name", TEXT),
    _col("type", "type", TEXT),
    _col("mac", "mac-address", MAC),  # tunnels (wireguard, pppoe) have none
    _col("mtu", "mtu", MTU),
    _col("is_running", "running", BOOL),
    _col("is_disabled", "disabled", BOOL),
    _col("rx_bytes", "rx-byte", INT),
    _col("tx_bytes", "tx-byte", INT),
    _col("rx_packets", "rx-packet", INT),
    _col("tx_packets", "tx-packet", INT),
    _col("rx_errors", "rx-error", INT),
    _col("tx_errors", "tx-error", INT),
    _col("rx_drops", "rx-drop", INT),
    _col("tx_drops", "tx-drop", INT),
    _col("link_downs", "link-downs", INT),
    _col("last_link_up_at", "last-link-up-time", _local_time),
    _col("comment", "comment", TEXT),
)

SYSTEM_COLUMNS = (
    _col("board_name", "board-name", TEXT),
    _col("version", "version", TEXT),  # "7.16.2 (stable)": the channel is kept
    _col("architecture", "architecture-name", TEXT),
    _col("cpu", "cpu", TEXT),
    _col("cpu_count", "cpu-count", INT),
    _col("cpu_load_pct", "cpu-load", FLOAT),
    _col("free_memory_bytes", "free-memory", INT),
    _col("total_memory_bytes", "total-memory", INT),
    _col("free_hdd_bytes", "free-hdd-space", INT),
    _col("total_hdd_bytes", "total-hdd-space", INT),
    _col("uptime_s", "uptime", DURATION),
    _col("build_time", "build-time", _local_time),
)


def _raw(item: object) -> bytes:
    """The item as JSON bytes, so a reject can be replayed through the parser later."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _items(payload: object, what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise PayloadError(f"{what}: expected a JSON array, got {type(payload).__name__}")
    return payload


def _rows(
    result: ParseResult,
    items: Iterable[Any],
    ctx: ParseContext,
    build: Callable[[dict[str, Any]], dict[str, Any]],
) -> ParseResult:
    """Build one row per item; a bad item becomes a Reject and the others carry on."""
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValueError(f"expected an object, got {type(item).__name__}")
            result.rows.append(ctx.origin() | build(item))
        except ValueError as exc:
            result.rejects.append(Reject(f"{result.dataset} item {index}: {exc}", _raw(item)))
    return result


def _columns(columns: Iterable[Column], item: dict[str, Any], ctx: ParseContext) -> dict[str, Any]:
    return {column.name: column.value(item, ctx) for column in columns}


def parse_leases(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/ip/dhcp-server/lease` -> one row per lease, whatever its status."""
    items = _items(payload, "dhcp leases")
    return _rows(ParseResult(DHCP_LEASES), items, ctx, lambda item: _columns(LEASE_COLUMNS, item, ctx))


def parse_wifi(payload: object, ctx: ParseContext, menu: str) -> ParseResult:
    """A wifi registration table (`menu` in WIFI_MENUS) -> one row per associated client."""
    if menu not in WIFI_MENUS:
        raise ValueError(f"unknown wifi menu {menu!r}; expected one of {', '.join(WIFI_MENUS)}")
    items = _items(payload, f"{menu} registration table")
    return _rows(ParseResult(WIFI_CLIENTS), items, ctx, lambda item: {"menu": menu} | _columns(WIFI_COLUMNS, item, ctx))


def parse_interfaces(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/interface` -> one row per interface with its cumulative counters."""
    items = _items(payload, "interfaces")
    return _rows(ParseResult(INTERFACES), items, ctx, lambda item: _columns(INTERFACE_COLUMNS, item, ctx))


def _single(payload: object, what: str) -> object:
    """Singleton menus answer a bare object; the manual prints them inside a 1-element array."""
    if isinstance(payload, list):
        if len(payload) != 1:
            raise PayloadError(f"{what}: expected one object, got an array of {len(payload)}")
        payload = payload[0]
    return payload


def parse_system(resource: object, ctx: ParseContext, identity: object | None = None) -> ParseResult:
    """`/system/resource` (+ `/system/identity`) -> one row; a malformed identity is rejected, not fatal."""
    resource = _single(resource, "system resource")
    if not isinstance(resource, dict):
        raise PayloadError(f"system resource: expected an object, got {type(resource).__name__}")
    result = ParseResult(SYSTEM)
    name: str | None = None
    if identity is not None:
        single = identity[0] if isinstance(identity, list) and len(identity) == 1 else identity
        try:
            if not isinstance(single, dict):
                raise ValueError(f"expected an object, got {type(single).__name__}")
            name = v.parse_text(single.get("name"))
        except ValueError as exc:
            result.rejects.append(Reject(f"{SYSTEM} identity: {exc}", _raw(identity)))
    return _rows(result, [resource], ctx, lambda item: {"identity": name} | _columns(SYSTEM_COLUMNS, item, ctx))
