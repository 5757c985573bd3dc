"""SwOS `.b` syntax and the swos parsers on composed CSS610-8P-2S+ (SwOS Lite 2.18) answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from swos.core import parse_js_object

from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.swos import bformat, parser
from homelake.sources.swos.datasets import DATASETS
from homelake.sources.swos.parse_kinds import PARSE_KINDS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "swos"
CTX = ParseContext("swos", "css610", "test", datetime(2025, 3, 10, 9, tzinfo=UTC), datetime(2025, 3, 10, 9, tzinfo=UTC),
                   ZoneInfo("Europe/Berlin"))  # fmt: skip


def _load(name: str) -> bformat.BValue:
    return bformat.loads((FIXTURES / name).read_bytes())


def _fits(result: ParseResult) -> None:
    schema = {d.key: d for d in DATASETS}[result.dataset].schema
    assert result.rows and all(list(row) == schema.names for row in result.rows)
    pa.Table.from_pylist(result.rows, schema=schema)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.b")))
def test_our_reader_agrees_with_mikrotik_swos(name: str) -> None:
    text = (FIXTURES / name).read_text()
    assert bformat.loads(text) == parse_js_object(text)


def test_writer_round_trips_and_mikrotik_swos_reads_it() -> None:
    value: bformat.BValue = {"i01": 0x3FF, "i05": [0, 3, 7], "i0a": [bformat.hex_text("Port1")], "i99": {}, "x": []}
    text = bformat.dumps(value)
    assert text == "{i01:0x03ff,i05:[0x00,0x03,0x07],i0a:['506f727431'],i99:{},x:[]}"
    assert bformat.loads(text) == value == parse_js_object(text)


@pytest.mark.parametrize(
    "text", ["", "{i01:}", "{i01:0x1", "[0x01,,]", "{i01:0x1}x", "{0x1:2}", "{i01 0x1}", "{i01:'ab}", "{a:[" * 20]
)
def test_garbage_is_a_payload_error(text: str) -> None:
    with pytest.raises(PayloadError, match="not SwOS .b syntax"):
        bformat.loads(text)


def test_poe() -> None:
    result = parser.parse_poe(_load("css610_8p_2.18_poe.b"), CTX)
    _fits(result)
    got = [(r["port"], r["poe_state"], r["power_w"], r["voltage_v"], r["current_ma"]) for r in result.rows]
    assert got[:5] == [
        (1, "powered on", 4.6, 49.8, 95),
        (2, "powered on", 5.8, 49.8, 119),
        (3, "powered on", 9.5, 49.6, 195),
        (4, "powered on", 8.7, 49.7, 178),
        (5, "waiting for load", 0.0, 0.0, 0),
    ]
    assert [r["poe_state"] for r in result.rows[5:]] == ["disabled", "overload", "unknown(11)"]


def test_links() -> None:
    result = parser.parse_links(_load("css610_8p_2.18_link.b"), CTX)
    _fits(result)
    got = {r["port"]: (r["name"], r["is_up"], r["speed_mbps"]) for r in result.rows}
    assert len(got) == 10
    assert got[1] == ("cam-driveway", True, 100)
    assert got[3] == ("ap-living", True, 1000)
    assert got[5] == ("Port5", False, None)
    assert got[10] == ("uplink-fw", True, 10000)


def test_hosts_reject_a_bad_mac_and_keep_the_rest() -> None:
    result = parser.parse_hosts(_load("css610_8p_2.18_dhost.b"), CTX)
    _fits(result)
    assert [(r["mac"], r["port"]) for r in result.rows][:3] == [
        ("bc:ad:28:00:00:01", 1), ("bc:ad:28:00:00:02", 2), ("78:9a:18:70:80:90", 3),
    ]  # fmt: skip
    assert len(result.rows) == 6 and len(result.rejects) == 1 and "not a MAC" in result.rejects[0].reason


def test_system() -> None:
    result = parser.parse_system(_load("css610_8p_2.18_sys.b"), CTX)
    _fits(result)
    [row] = result.rows
    assert (row["identity"], row["model"], row["version"]) == ("css610-poe", "CSS610-8P-2S+", "2.18")
    assert (row["temperature_c"], row["power_w"]) == (None, None)  # SwOS Lite reports neither


def test_full_swos_names_are_read_too() -> None:
    result = parser.parse_system({"id": bformat.hex_text("crs"), "brd": bformat.hex_text("CRS328"), "temp": 41}, CTX)
    assert (result.rows[0]["identity"], result.rows[0]["temperature_c"]) == ("crs", 41.0)
    poe = parser.parse_poe({"poe": [2], "poes": [3], "pwr": [52], "volt": [500], "curr": [104]}, CTX)
    assert (poe.rows[0]["power_w"], poe.rows[0]["voltage_v"]) == (5.2, 50.0)


def test_a_bad_port_value_rejects_that_port_only() -> None:
    data = {"i01": [2, 2], "i04": [3, "x"], "i07": [10, 20], "i06": [500, 500], "i05": [20, 40]}
    result = parser.parse_poe(data, CTX)
    assert [r["port"] for r in result.rows] == [1] and "port 2: i04" in result.rejects[0].reason


@pytest.mark.parametrize("data", [[], {"i02": []}, {"i01": 3}])
def test_a_payload_without_ports_is_a_payload_error(data: object) -> None:
    with pytest.raises(PayloadError):
        parser.parse_poe(data, CTX)


@pytest.mark.parametrize(
    ("kind", "fixture", "rows"),
    [("swos-poe", "poe", 8), ("swos-links", "link", 10), ("swos-hosts", "dhost", 6), ("swos-system", "sys", 1)],
)
def test_parse_kinds(kind: str, fixture: str, rows: int) -> None:
    [kind_spec] = [k for k in PARSE_KINDS if k.name == kind]
    [result] = kind_spec.run((FIXTURES / f"css610_8p_2.18_{fixture}.b").read_bytes(), CTX)
    assert len(result.rows) == rows
