"""Pure parser: gatewayd `/entries` output (JSON lines or text/event-stream) -> journald/entries rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from homelake.sources.base import ParseContext, ParseResult, Reject
from homelake.sources.journald import fields as f
from homelake.sources.journald.datasets import JOURNALD_ENTRIES

ENTRIES = JOURNALD_ENTRIES.key
Getter = Callable[[dict[str, Any]], object]


def _first(*keys: str, convert: Callable[[object], object] = f.text) -> Getter:
    def get(entry: dict[str, Any]) -> object:
        for key in keys:
            found = convert(entry.get(key))
            if found is not None:
                return found
        return None

    return get


def _seqnum(entry: dict[str, Any]) -> int | None:
    found = f.integer(entry.get("__SEQNUM"))
    if found is not None:
        return found
    hexed = f.cursor_part(str(entry.get("__CURSOR", "")), "i")
    try:
        return int(hexed, 16) if hexed else None
    except ValueError:
        return None


def _seqnum_id(entry: dict[str, Any]) -> str | None:
    return f.text(entry.get("__SEQNUM_ID")) or f.cursor_part(str(entry.get("__CURSOR", "")), "s")


# One line per column: which export field(s) it comes from and how it is decoded.
COLUMNS: tuple[tuple[str, Getter], ...] = (
    ("cursor", _first("__CURSOR")),
    ("seqnum", _seqnum),
    ("seqnum_id", _seqnum_id),
    ("monotonic_us", _first("__MONOTONIC_TIMESTAMP", convert=f.integer)),
    ("boot_id", _first("_BOOT_ID")),
    ("machine_id", _first("_MACHINE_ID")),
    ("hostname", _first("_HOSTNAME")),
    ("transport", _first("_TRANSPORT")),
    ("unit", _first("UNIT", "USER_UNIT", "_SYSTEMD_UNIT")),  # systemd's lines name their subject in UNIT
    ("identifier", _first("SYSLOG_IDENTIFIER", "_COMM")),
    ("pid", _first("_PID", "SYSLOG_PID", convert=f.integer)),
    ("priority", _first("PRIORITY", convert=f.integer)),
    ("message_id", _first("MESSAGE_ID")),
    ("invocation_id", _first("_SYSTEMD_INVOCATION_ID", "INVOCATION_ID")),
)


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to keep: priority <= max_priority, or one of `units` (entries without PRIORITY are kept)."""

    max_priority: int = 7
    units: tuple[str, ...] = ()

    def keeps(self, row: dict[str, Any]) -> bool:
        priority = row.get("priority")
        return priority is None or priority <= self.max_priority or row.get("unit") in self.units


KEEP_ALL = EntryFilter()


def json_objects(raw: bytes) -> Iterator[bytes]:
    """The JSON object of each line: plain JSON lines, or text/event-stream `data:` lines (other SSE lines skipped)."""
    for line in raw.split(b"\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith((b":", b"id:", b"event:", b"retry:")):
            continue
        if stripped.startswith(b"data:"):
            stripped = stripped[5:].strip()
        yield stripped


def entry_row(entry: dict[str, Any], ctx: ParseContext) -> dict[str, Any]:
    """One entry as a lake row; ValueError when it has no cursor or no realtime timestamp."""
    cursor = f.text(entry.get("__CURSOR"))
    realtime = f.integer(entry.get("__REALTIME_TIMESTAMP"))
    if not cursor:
        raise ValueError("entry without __CURSOR")
    if realtime is None:
        raise ValueError("entry without a numeric __REALTIME_TIMESTAMP")
    observed = datetime.fromtimestamp(realtime // 1_000_000, UTC).replace(microsecond=realtime % 1_000_000)
    text, size, truncated = f.message(entry.get("MESSAGE"))
    row = replace(ctx, observed_at=observed).origin() | {name: get(entry) for name, get in COLUMNS}
    return row | {"message": text, "message_bytes": size, "is_message_truncated": truncated}


def parse_entries(raw: bytes, ctx: ParseContext, keep: EntryFilter = KEEP_ALL) -> tuple[ParseResult, str | None]:
    """Rows of the kept entries and the last cursor seen (kept or not, so a filter never stalls a resume).
    A line that is not a JSON object, or lacks a cursor or timestamp, is a reject with its bytes."""
    result = ParseResult(ENTRIES)
    last_cursor: str | None = None
    for line in json_objects(raw):
        try:
            entry = orjson.loads(line)
            if not isinstance(entry, dict):
                raise ValueError(f"expected a JSON object, got {type(entry).__name__}")
            row = entry_row(entry, ctx)
        except (orjson.JSONDecodeError, ValueError, OverflowError, OSError) as exc:
            result.rejects.append(Reject(f"journal entry: {exc}", line))
            continue
        last_cursor = row["cursor"]
        if keep.keeps(row):
            result.rows.append(row)
    return result, last_cursor
