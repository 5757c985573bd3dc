"""Pure parsers of the network edge: firewall connections, DNS cache, IPv6 neighbours and router-run pings to lake
rows."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.columns import Column, Convert, col
from homelake.sources.mikrotik import values as v
from homelake.sources.mikrotik.edge_datasets import (
    MIKROTIK_CONNECTIONS,
    MIKROTIK_DHCP_CLIENT,
    MIKROTIK_DNS_CACHE,
    MIKROTIK_IPV6_NEIGHBORS,
    MIKROTIK_NETWATCH,
    MIKROTIK_PINGS,
)
from homelake.sources.mikrotik.parser import BOOL, DURATION, FLOAT, INT, LOCAL_TIME, MAC, TEXT, is_set

CONNECTIONS = MIKROTIK_CONNECTIONS.key
DNS_CACHE = MIKROTIK_DNS_CACHE.key
PINGS = MIKROTIK_PINGS.key
DHCP_CLIENT = MIKROTIK_DHCP_CLIENT.key
NETWATCH = MIKROTIK_NETWATCH.key
IPV6_NEIGHBORS = MIKROTIK_IPV6_NEIGHBORS.key

_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.%a-z]+)\](?::(\d{1,5}))?")
_MAX_PORT = 65535
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def split_address(value: object) -> tuple[str | None, int | None]:
    """(ip, port) from `1.2.3.4:80`, `[2001:db8::1]:443`, a bare IPv4/IPv6 address, or nothing."""
    text = v.parse_text(value)
    if text is None:
        return None, None
    return _split(text.strip())


@lru_cache(maxsize=65536)  # a table repeats its addresses poll after poll; parsing them is the parser's cost
def _split(text: str) -> tuple[str, int | None]:
    address, port = text, None
    if match := _BRACKETED.fullmatch(text):
        address, port = match.group(1), match.group(2)
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has two colons or more
        address, _, port = text.partition(":")
    ip = _canonical_ip(address)
    if ip is None:
        raise ValueError(f"not an address: {text!r}")
    return ip, _port(port)


@lru_cache(maxsize=65536)  # the LAN's addresses come with a new port on every connection
def _canonical_ip(address: str) -> str | None:
    if _CANONICAL_IPV4.fullmatch(address):  # already as ipaddress prints it: skip its slow parse
        return address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _port(value: object) -> int | None:
    number = v.parse_int(value)
    if number is not None and not 0 <= number <= _MAX_PORT:
        raise ValueError(f"not a port: {value!r}")
    return number


def _address_ip(value: object, _ctx: ParseContext) -> str | None:
    return split_address(value)[0]


def _address_port(value: object, _ctx: ParseContext) -> int | None:
    """A separate `src-port` field, or the port inside `src-address` (the table asks them in that order)."""
    text = v.parse_text(value)
    if text is not None and ("." in text or ":" in text or "[" in text):
        return split_address(text)[1]
    return _port(text)


def _flag(value: object, _ctx: ParseContext) -> bool:
    """Connection flags: RouterOS may leave a flag out when it is false."""
    return v.parse_bool(value) is True


def _milliseconds(value: object, _ctx: ParseContext) -> float | None:
    seconds = v.parse_duration(value)
    return None if seconds is None else round(seconds * 1000, 3)


def _percent(value: object, _ctx: ParseContext) -> float | None:
    """`0`, `33.3` or `33.3%` (Netwatch's loss-percent)."""
    text = v.parse_text(value)
    return None if text is None else v.parse_float(text.strip().removesuffix("%"))


def _interface_ip(value: object, _ctx: ParseContext) -> str | None:
    """`203.0.113.2/24` -> `203.0.113.2` (the address RouterOS prints with its prefix)."""
    text = v.parse_text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.ip_interface(text.strip()).ip)
    except ValueError:
        raise ValueError(f"not an address: {text!r}") from None


def _prefix_length(value: object, _ctx: ParseContext) -> int | None:
    text = v.parse_text(value)
    if text is None or "/" not in text:
        return None
    try:
        return ipaddress.ip_interface(text.strip()).network.prefixlen
    except ValueError:
        raise ValueError(f"not an address: {text!r}") from None


def _ipv6(value: object, _ctx: ParseContext) -> str | None:
    """An IPv6 address in canonical form; a zone (`fe80::1%bridge`) is dropped, the interface is its own field."""
    text = v.parse_text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.IPv6Address(text.strip().partition("%")[0]))
    except ValueError:
        raise ValueError(f"not an IPv6 address: {text!r}") from None


def _status(value: object, _ctx: ParseContext) -> str | None:
    text = v.parse_text(value)
    return None if text is None else text.strip().lower()


def _col(name: str, keys: str, convert: Convert, *, required: bool = False) -> Column:
    return col(name, keys, convert, required=required, is_set=is_set)


CONNECTION_COLUMNS = (
    _col("protocol", "protocol", TEXT, required=True),
    _col("src_ip", "src-address", _address_ip, required=True),
    _col("src_port", "src-port|src-address", _address_port),
    _col("dst_ip", "dst-address", _address_ip, required=True),
    _col("dst_port", "dst-port|dst-address", _address_port),
    _col("reply_src_ip", "reply-src-address", _address_ip),  # differs from dst_ip after dst-nat
    _col("reply_dst_ip", "reply-dst-address", _address_ip),  # the public address after src-nat
    _col("tcp_state", "tcp-state", TEXT),  # tcp only
    _col("orig_bytes", "orig-bytes", INT),
    _col("repl_bytes", "repl-bytes", INT),
    _col("orig_packets", "orig-packets", INT),
    _col("repl_packets", "repl-packets", INT),
    _col("is_assured", "assured", _flag),
    _col("is_seen_reply", "seen-reply", _flag),
    _col("is_srcnat", "srcnat", _flag),
    _col("is_dstnat", "dstnat", _flag),
    _col("timeout_s", "timeout", DURATION),
)

DNS_COLUMNS = (
    _col("name", "name", TEXT, required=True),
    _col("record_type", "type", TEXT),
    _col("data", "data|address", TEXT),  # v6 prints `data`; older builds had `address` for A records
    _col("ttl_s", "ttl", DURATION),
)

IPV6_NEIGHBOR_COLUMNS = (
    _col("address", "address", _ipv6, required=True),
    _col("mac", "mac-address", MAC),  # absent while resolving (incomplete) or after it failed
    _col("interface", "interface", TEXT),
    _col("status", "status", _status),  # noarp, incomplete, reachable, stale, delay, probe, failed
    _col("is_router", "router", BOOL),
)

PING_COLUMNS = (
    _col("seq", "seq", INT, required=True),
    _col("host", "host", TEXT),
    _col("rtt_ms", "time", _milliseconds),  # absent for a lost packet (`status: timeout`)
    _col("sent", "sent", INT),
    _col("received", "received", INT),
    _col("packet_loss_pct", "packet-loss", FLOAT),
    _col("avg_rtt_ms", "avg-rtt", _milliseconds),
)


DHCP_CLIENT_COLUMNS = (
    _col("interface", "interface", TEXT, required=True),
    _col("status", "status", TEXT),  # bound, searching..., requesting..., stopped
    _col("address", "address", _interface_ip),  # absent unless bound
    _col("prefix_length", "address", _prefix_length),
    _col("gateway", "gateway", TEXT),
    _col("dhcp_server", "dhcp-server", TEXT),
    _col("primary_dns", "primary-dns", TEXT),
    _col("expires_after_s", "expires-after", DURATION),
    _col("is_disabled", "disabled", BOOL),
)

NETWATCH_COLUMNS = (
    _col("entry_id", ".id", TEXT),
    _col("host", "host", TEXT, required=True),
    _col("probe_type", "type", TEXT),  # simple, icmp, tcp-conn, http-get, https-get, dns (v7.4+; before: simple)
    _col("status", "status", TEXT),  # up, down, unknown (not yet tested)
    _col("since_at", "since", LOCAL_TIME),  # the last status change, the router's wall clock
    _col("comment", "comment", TEXT),
    _col("is_disabled", "disabled", BOOL),
    _col("interval_s", "interval", DURATION),
    _col("done_tests", "done-tests", INT),
    _col("failed_tests", "failed-tests", INT),
    _col("loss_pct", "loss-percent", _percent),  # icmp only, like the rtt fields: the last test's figures
    _col("rtt_avg_ms", "rtt-avg", _milliseconds),
    _col("rtt_min_ms", "rtt-min", _milliseconds),
    _col("rtt_max_ms", "rtt-max", _milliseconds),
    _col("rtt_jitter_ms", "rtt-jitter", _milliseconds),
    _col("rtt_stdev_ms", "rtt-stdev", _milliseconds),
)


def _raw(item: object) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str).encode()


_MISS = object()
_MEMO_MAX = 4096  # per column and parse: flags, states, timeouts and addresses repeat; counters fill it and stop


def _rows(dataset: str, items: Sequence[Any], ctx: ParseContext, columns: Sequence[Column]) -> ParseResult:
    """One row per item; a bad item becomes a Reject with its bytes and the others carry on.

    A 20k-entry connection table repeats most of its values (protocols, flags, states, timeouts, the LAN's
    addresses), so each column remembers what its strings converted to within this parse: the same output as
    converting every value, at a fraction of the cost (bench/connections.py). A value that fails is never
    remembered, so its error and reject are as before."""
    result = ParseResult(dataset)
    origin = ctx.origin()
    memos: list[dict[object, object]] = [{} for _ in columns]
    plan = [(c.name, c.keys[0] if len(c.keys) == 1 else None, c, memo) for c, memo in zip(columns, memos, strict=True)]
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValueError(f"expected an object, got {type(item).__name__}")
            row = dict(origin)
            for name, only_key, column, memo in plan:
                key = only_key if only_key is not None else _first_set(item, column.keys)
                raw = item.get(key)
                if not isinstance(raw, str):  # absent or typed: converted each time
                    row[name] = column.value(item, ctx)
                    continue
                converted = memo.get((key, raw) if only_key is None else raw, _MISS)
                if converted is _MISS:
                    converted = column.converted(key, raw, ctx)
                    if len(memo) < _MEMO_MAX:
                        memo[(key, raw) if only_key is None else raw] = converted
                row[name] = converted
            result.rows.append(row)
        except ValueError as exc:
            result.rejects.append(Reject(f"{dataset} item {index}: {exc}", _raw(item)))
    return result


def _first_set(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The key Column.value reads (the first set, by `is_set`, else the first), inline: this table is big."""
    for key in keys:
        value = item.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return key
    return keys[0]


def _items(payload: object, what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise PayloadError(f"{what}: expected a JSON array, got {type(payload).__name__}")
    return payload


def parse_connections(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/ip/firewall/connection` (whole or `.proplist`-limited) -> one row per connection."""
    return _rows(CONNECTIONS, _items(payload, "firewall connections"), ctx, CONNECTION_COLUMNS)


def parse_dns_cache(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/ip/dns/cache` -> one row per cached record."""
    return _rows(DNS_CACHE, _items(payload, "dns cache"), ctx, DNS_COLUMNS)


def parse_ipv6_neighbors(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/ipv6/neighbor` -> one row per entry (an empty table is no rows)."""
    return _rows(IPV6_NEIGHBORS, _items(payload, "ipv6 neighbors"), ctx, IPV6_NEIGHBOR_COLUMNS)


def parse_ping(payload: object, ctx: ParseContext) -> ParseResult:
    """`POST /rest/ping {address, count}` -> one row per echo; a single reply object is one echo."""
    items = [payload] if isinstance(payload, dict) else _items(payload, "ping")
    return _rows(PINGS, items, ctx, PING_COLUMNS)


def parse_dhcp_client(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/ip/dhcp-client` -> one row per DHCP client (the WAN port's holds the public address)."""
    return _rows(DHCP_CLIENT, _items(payload, "dhcp client"), ctx, DHCP_CLIENT_COLUMNS)


def parse_netwatch(payload: object, ctx: ParseContext) -> ParseResult:
    """`GET /rest/tool/netwatch` -> one row per entry (an empty table, none configured, is no rows).

    The up/down/test scripts are dropped first: they may carry a webhook token, and a rejected entry's bytes
    go to the dead-letter dataset."""
    items = [
        {k: x for k, x in item.items() if not k.endswith("-script")} if isinstance(item, dict) else item
        for item in _items(payload, "netwatch")
    ]
    return _rows(NETWATCH, items, ctx, NETWATCH_COLUMNS)


EDGE_PARSERS: dict[str, Callable[[Any, ParseContext], ParseResult]] = {
    CONNECTIONS: parse_connections,
    DNS_CACHE: parse_dns_cache,
    IPV6_NEIGHBORS: parse_ipv6_neighbors,
    PINGS: parse_ping,
    DHCP_CLIENT: parse_dhcp_client,
    NETWATCH: parse_netwatch,
}
