"""A simulated journal entry in the gateway's JSON form and in the journal export format (for the real tools)."""

from __future__ import annotations

import json
import struct

from homelake.sim.model.cluster_journal import JournalEntry

JSON_THRESHOLD = 4096  # gatewayd sends larger values as null (systemd's JSON_THRESHOLD)


def _printable(value: bytes) -> str | None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if all(c.isprintable() or c in "\t" for c in text) else None


def json_value(value: str | bytes) -> object:
    """A field value as gatewayd writes it: a string, an array of byte integers, or null when too large."""
    raw = value.encode() if isinstance(value, str) else value
    if len(raw) > JSON_THRESHOLD:
        return None
    text = _printable(raw)
    return text if text is not None else list(raw)


def entry_json(entry: JournalEntry) -> bytes:
    """One line of `GET /entries` with `Accept: application/json`."""
    obj: dict[str, object] = {
        "__CURSOR": entry.cursor,
        "__REALTIME_TIMESTAMP": str(entry.realtime_us),
        "__MONOTONIC_TIMESTAMP": str(entry.monotonic_us),
        "_BOOT_ID": entry.boot_id,
    }
    obj |= {key: json_value(value) for key, value in entry.fields.items()}
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def entry_export(entry: JournalEntry) -> bytes:
    """The entry in journal export format (`systemd-journal-remote` input): binary values length-prefixed."""
    out = [f"__REALTIME_TIMESTAMP={entry.realtime_us}\n__MONOTONIC_TIMESTAMP={entry.monotonic_us}\n".encode()]
    out.append(f"_BOOT_ID={entry.boot_id}\n".encode())
    for key, value in entry.fields.items():
        raw = value.encode() if isinstance(value, str) else value
        if b"\n" in raw or _printable(raw) is None:
            out.append(key.encode() + b"\n" + struct.pack("<Q", len(raw)) + raw + b"\n")
        else:
            out.append(key.encode() + b"=" + raw + b"\n")
    return b"".join(out) + b"\n"
