"""The SNMP parsers on walked tables: counter widths, text and speed fallbacks, and bad values rejected per row."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from homelake.sources.base import ParseContext
from homelake.sources.swos.mibs import FDB_COLUMNS, IF_COLUMNS, tabulate
from homelake.sources.swos.snmp_parser import parse_fdb, parse_if_counters

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CTX = ParseContext("swos", "css610", "test", AT, AT, ZoneInfo("Europe/Berlin"))


def _walk(
    columns: dict[str, tuple[int, ...]], cells: dict[str, dict[tuple[int, ...], object]]
) -> list[tuple[tuple[int, ...], object]]:
    return [((*columns[name], *index), value) for name, by_index in cells.items() for index, value in by_index.items()]


def test_interfaces_take_64_bit_counters_where_the_agent_has_them() -> None:
    walked = _walk(IF_COLUMNS, {
        "if_descr": {(1,): b"Port1", (2,): b"Port2"},
        "if_name": {(1,): b"cam-front", (2,): b""},
        "if_oper_status": {(1,): 1, (2,): 2},
        "if_speed": {(1,): 100_000_000, (2,): 0},
        "in_octets": {(1,): 5, (2,): 7}, "out_octets": {(1,): 6, (2,): 8},
        "hc_in_octets": {(1,): 2**40}, "hc_out_octets": {(1,): 2**41},
        "in_errors": {(1,): 1, (2,): 0},
    })  # fmt: skip
    walked.append(((1, 3, 6, 1, 2, 1, 2, 2, 1, 99, 1), 1))  # a column nobody asked for is left out
    result = parse_if_counters(tabulate(walked, IF_COLUMNS), 12345, CTX)
    one, two = result.rows
    assert (one["if_name"], one["is_up"], one["speed_mbps"], one["counter_bits"]) == ("cam-front", True, 100, 64)
    assert (one["in_octets"], one["out_octets"], one["uptime_s"]) == (2**40, 2**41, 123.45)
    assert (two["if_name"], two["is_up"], two["speed_mbps"], two["counter_bits"]) == ("Port2", False, None, 32)
    assert (two["in_octets"], two["out_octets"], two["out_errors"]) == (7, 8, None)
    assert result.rejects == []


def test_a_counter_out_of_range_rejects_its_interface_only() -> None:
    walked = _walk(IF_COLUMNS, {"in_octets": {(1,): 2**32, (2,): 3}, "out_octets": {(1,): 1, (2,): b"x"},
                                "hc_in_octets": {(3,): 2**64 - 1}, "hc_out_octets": {(3,): 1}})  # fmt: skip
    result = parse_if_counters(tabulate(walked, IF_COLUMNS), None, CTX)
    assert result.rows == []
    reasons = sorted(r.reason for r in result.rejects)
    assert len(reasons) == 3 and "ifIndex 1: in_octets: not a 32-bit counter" in reasons[0]
    assert "ifIndex 3: in_octets: not a 64-bit counter" in reasons[2]


def test_the_forwarding_table_maps_bridge_ports_to_if_indexes() -> None:
    walked = _walk(FDB_COLUMNS, {
        "base_port_if_index": {(1,): 101, (2,): 102},
        "fdb_port": {(0xDC, 0x2C, 0x6E, 0, 0, 1): 1, (0xAA, 0, 0, 0, 0, 2): 7, (1, 2, 3): 1},
        "fdb_status": {(0xDC, 0x2C, 0x6E, 0, 0, 1): 3, (0xAA, 0, 0, 0, 0, 2): 9},
    })  # fmt: skip
    result = parse_fdb(tabulate(walked, FDB_COLUMNS), CTX)
    rows = {row["mac"]: row for row in result.rows}
    assert (rows["dc:2c:6e:00:00:01"]["if_index"], rows["dc:2c:6e:00:00:01"]["fdb_status"]) == (101, "learned")
    assert (rows["aa:00:00:00:00:02"]["if_index"], rows["aa:00:00:00:00:02"]["fdb_status"]) == (None, "unknown(9)")
    [reject] = result.rejects
    assert "not a MAC address index: 1.2.3" in reject.reason
