"""Edge parsers on composed RouterOS payloads: connections (address forms, NAT, flags), DNS cache, pings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from homelake.sources import PARSE_KINDS
from homelake.sources import dataset as dataset_of
from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.mikrotik import edge_parser

Load = Callable[[str], Any]


def _fits_schema(result: ParseResult) -> None:
    schema = dataset_of(result.dataset).schema
    assert result.rows
    assert all(list(row) == schema.names for row in result.rows)
    pa.Table.from_pylist(result.rows, schema=schema)  # raises when a value does not fit its column


def test_connections_every_address_form_nat_and_flags(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_connections(load("rb4011_7.16.2_firewall_connections.json"), ctx)
    _fits_schema(result)
    rows = {(r["src_ip"], r["src_port"]): r for r in result.rows}
    assert len(rows) == 6
    https = rows[("192.168.88.23", 51234)]
    assert (https["protocol"], https["dst_ip"], https["dst_port"]) == ("tcp", "198.51.100.10", 443)
    assert (https["reply_src_ip"], https["reply_dst_ip"]) == ("198.51.100.10", "203.0.113.2")
    assert https["tcp_state"] == "established" and https["timeout_s"] == 86398.0
    assert (https["orig_bytes"], https["repl_bytes"], https["orig_packets"], https["repl_packets"]) == (
        88312, 3043321, 1042, 2210,
    )  # fmt: skip
    assert (https["is_assured"], https["is_seen_reply"], https["is_srcnat"], https["is_dstnat"]) == (
        True, True, True, False,
    )  # fmt: skip
    dns = rows[("192.168.88.60", 40213)]  # separate port fields
    assert (dns["dst_ip"], dns["dst_port"], dns["tcp_state"]) == ("192.0.2.53", 53, None)
    v6 = rows[("2001:db8:88::23", 50544)]  # [v6]:port
    assert (v6["dst_ip"], v6["dst_port"], v6["tcp_state"]) == ("2001:db8:ffff::1", 443, "time-wait")
    icmp = rows[("192.168.88.1", None)]
    assert (icmp["protocol"], icmp["dst_port"]) == ("icmp", None)
    inbound = rows[("203.0.113.77", 40000)]  # dst-nat: the reply comes from the LAN host
    assert (inbound["dst_ip"], inbound["reply_src_ip"], inbound["is_dstnat"]) == ("203.0.113.2", "192.168.88.20", True)
    sparse = rows[("192.168.88.41", 123)]  # a .proplist-limited row: absent flags are false, counters null
    assert (sparse["is_assured"], sparse["orig_packets"], sparse["reply_src_ip"]) == (False, None, None)
    assert len(result.rejects) == 1
    assert "src-address" in result.rejects[0].reason and b"bogus:1" in result.rejects[0].payload


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1:80", ("10.0.0.1", 80)),
        ("10.0.0.1", ("10.0.0.1", None)),
        ("[2001:DB8::1]:443", ("2001:db8::1", 443)),
        ("[2001:db8::1]", ("2001:db8::1", None)),
        ("2001:db8::1", ("2001:db8::1", None)),
        ("::ffff:10.0.0.1", ("::ffff:a00:1", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_address(text: str | None, expected: tuple[str | None, int | None]) -> None:
    assert edge_parser.split_address(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.1:99999", "10.0.0.300:80", "[2001:db8::1]:x", "host:80", "1.2.3.4:-1"])
def test_split_address_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        edge_parser.split_address(text)


def test_dns_cache(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_dns_cache(load("rb4011_7.16.2_dns_cache.json"), ctx)
    _fits_schema(result)
    got = [(r["name"], r["record_type"], r["data"], r["ttl_s"]) for r in result.rows]
    assert got == [
        ("time.example.net", "A", "192.0.2.123", 3492.0),
        ("cloud.example.com", "CNAME", "edge.example.com", 240.0),
        ("edge.example.com", "A", "198.51.100.10", 240.0),
        ("edge.example.com", "AAAA", "2001:db8:ffff::1", 239.0),
    ]
    assert len(result.rejects) == 1 and "name: required" in result.rejects[0].reason


def test_ping_lost_packet_is_null(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_ping(load("rb4011_7.16.2_ping.json"), ctx)
    _fits_schema(result)
    got = [(r["seq"], r["host"], r["rtt_ms"], r["sent"], r["received"], r["packet_loss_pct"]) for r in result.rows]
    assert got == [
        (0, "192.0.2.1", 11.453, 1, 1, 0.0),
        (1, "192.0.2.1", None, 2, 1, 50.0),
        (2, "192.0.2.1", 13.0, 3, 2, 33.0),
    ]
    assert [r["avg_rtt_ms"] for r in result.rows] == [11.453, None, 12.226]
    assert not result.rejects


def test_a_single_ping_reply_object_is_one_echo(ctx: ParseContext) -> None:
    result = edge_parser.parse_ping({"host": "192.0.2.1", "seq": "0", "time": "5ms"}, ctx)
    assert [r["rtt_ms"] for r in result.rows] == [5.0]


@pytest.mark.parametrize("parse", [edge_parser.parse_connections, edge_parser.parse_dns_cache, edge_parser.parse_ping])
def test_a_payload_of_the_wrong_shape_is_a_payload_error(parse: Any, ctx: ParseContext) -> None:
    with pytest.raises(PayloadError, match="expected a JSON array"):
        parse("not a table", ctx)


def test_a_non_object_item_is_rejected_and_the_rest_kept(ctx: ParseContext) -> None:
    payload = [["x"], {"protocol": "udp", "src-address": "10.0.0.2:5", "dst-address": "10.0.0.3:6"}]
    result = edge_parser.parse_connections(payload, ctx)
    assert len(result.rows) == 1 and "expected an object" in result.rejects[0].reason


def test_a_large_connection_table_parses_whole(ctx: ParseContext) -> None:
    table = [
        {"protocol": "tcp", "src-address": f"192.168.88.{i % 200 + 2}:{10000 + i % 50000}",
         "dst-address": f"[2001:db8::{i:x}]:443", "orig-bytes": str(i), "repl-bytes": str(2 * i)}
        for i in range(20_000)
    ]  # fmt: skip
    result = edge_parser.parse_connections(table, ctx)
    assert len(result.rows) == 20_000 and not result.rejects
    assert sum(r["repl_bytes"] for r in result.rows) == 2 * sum(range(20_000))


@pytest.mark.parametrize(
    ("kind", "fixture", "dataset", "rows"),
    [
        ("mikrotik-connections", "rb4011_7.16.2_firewall_connections.json", "mikrotik/firewall_connections", 6),
        ("mikrotik-dns-cache", "rb4011_7.16.2_dns_cache.json", "mikrotik/dns_cache", 4),
        ("mikrotik-ping", "rb4011_7.16.2_ping.json", "mikrotik/pings", 3),
    ],
)
def test_parse_kinds(
    kind: str, fixture: str, dataset: str, rows: int, fixture_bytes: Callable[[str], bytes], ctx: ParseContext
) -> None:
    [result] = PARSE_KINDS[kind].run(fixture_bytes(fixture), ctx)
    assert (result.dataset, len(result.rows)) == (dataset, rows)


def test_dhcp_client_gives_the_public_address_without_its_prefix(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_dhcp_client(load("rb4011_7.16.2_dhcp_client.json"), ctx)
    _fits_schema(result)
    got = [
        (r["interface"], r["status"], r["address"], r["prefix_length"], r["gateway"], r["expires_after_s"])
        for r in result.rows
    ]
    assert got == [
        ("ether1", "bound", "203.0.113.57", 24, "203.0.113.1", 23 * 3600 + 41 * 60 + 7.0),
        ("ether2", "searching...", None, None, None, None),
    ]
    assert [r["is_disabled"] for r in result.rows] == [False, False]
    assert len(result.rejects) == 1 and "not an address" in result.rejects[0].reason
