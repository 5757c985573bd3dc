"""The journal entry parser on real gatewayd 252 output (JSON lines and event stream) and on broken lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from homelake.sources.base import ParseContext
from homelake.sources.journald.fields import MAX_MESSAGE_CHARS, message, values
from homelake.sources.journald.parser import EntryFilter, parse_entries

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "journald"
T = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CTX = ParseContext("journald", "pi1", "test", T, T, UTC)


def _rows(name: str) -> list[dict[str, object]]:
    result, _ = parse_entries((FIXTURES / name).read_bytes(), CTX)
    assert result.rejects == []
    return result.rows


def test_real_gatewayd_json_lines_decode_every_kind_of_value() -> None:
    rows = _rows("gatewayd_252_entries.jsonl")
    assert [r["seqnum"] for r in rows] == [1, 2, 3, 4, 5]
    first, ansi, kernel, multi, big = rows
    assert first["observed_at"] == datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # µs string -> UTC
    assert first["received_at"] == T and first["device_id"] == "pi1"
    assert (first["unit"], first["identifier"], first["priority"], first["pid"]) == ("k3s-agent.service", "k3s", 6, 812)
    assert first["boot_id"] == "6c7c6013a26343b29e964691ff25d04c" and first["monotonic_us"] == 21415221039
    assert first["seqnum_id"] == "a8ab7e2be9f54c20a70b1d130bb78d0c"
    # a byte array: ANSI escapes removed, invalid UTF-8 replaced, size as sent
    assert ansi["message"] == "ERROR pull failed: café \ufffd\ufffd bad bytes" and ansi["message_bytes"] == 46
    assert kernel["priority"] is None and kernel["unit"] is None and kernel["transport"] == "kernel"
    assert multi["message"] == "multi-valued TAG field"
    # a field too large for the gateway comes as null: no message, entry kept
    assert big["message"] is None and big["message_bytes"] is None and big["unit"] == "big.service"


def test_the_event_stream_gives_the_same_rows_as_json_lines() -> None:
    assert _rows("gatewayd_252_entries_sse.txt") == _rows("gatewayd_252_entries.jsonl")


def test_the_filter_keeps_priority_and_named_units_but_the_cursor_passes_every_entry() -> None:
    raw = (FIXTURES / "gatewayd_252_entries.jsonl").read_bytes()
    result, last = parse_entries(raw, CTX, EntryFilter(max_priority=4, units=("k3s-agent.service",)))
    assert [r["seqnum"] for r in result.rows] == [1, 2, 3, 4]  # 3 has no PRIORITY: kept
    assert last is not None and last.split(";")[1] == "i=5"


def test_broken_lines_are_rejects_and_the_rest_is_kept() -> None:
    good = (FIXTURES / "gatewayd_252_entries.jsonl").read_bytes().splitlines()
    raw = b"\n".join([good[0], b"{not json", b"[1,2]", b'{"MESSAGE":"no cursor"}', good[1]])
    result, last = parse_entries(raw, CTX)
    assert len(result.rows) == 2 and len(result.rejects) == 3
    assert result.rejects[0].payload == b"{not json"
    assert last == orjson.loads(good[1])["__CURSOR"]


def test_several_values_long_messages_and_odd_shapes() -> None:
    assert values(["a", [104, 105]]) == [("a", 1), ("hi", 2)]
    assert values(None) == [] and values([]) == []
    text, size, truncated = message("y" * (MAX_MESSAGE_CHARS + 10))
    assert truncated and text is not None and len(text) == MAX_MESSAGE_CHARS and size == MAX_MESSAGE_CHARS + 10
    assert message(["line one", "line two"])[0] == "line one\nline two"


@pytest.mark.parametrize("blob", [b"", b"\n\n", b": keep-alive\n\n"])
def test_nothing_to_parse_is_no_rows_and_no_cursor(blob: bytes) -> None:
    result, last = parse_entries(blob, CTX)
    assert result.rows == [] and result.rejects == [] and last is None
