"""Decoding of journal export JSON values: strings, byte arrays, multi-valued arrays, nulls (pure)."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
MAX_MESSAGE_CHARS = 64 * 1024


def _one(value: object) -> tuple[str, int] | None:
    """One value: a string, or an array of byte integers (non-printable or non-UTF-8 data)."""
    if isinstance(value, str):
        return value, len(value.encode("utf-8", errors="surrogatepass"))
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b <= 255 for b in value):  # noqa: PLR2004
        raw = bytes(value)
        return raw.decode("utf-8", errors="replace"), len(raw)
    return None


def values(value: object) -> list[tuple[str, int]]:
    """Every value of a field as (text, bytes sent): one for a plain field, several for a multi-valued one
    (an array of strings or byte arrays), none for null (a field too large for the gateway to send)."""
    if value is None:
        return []
    single = _one(value)
    if single is not None and not (isinstance(value, list) and not value):
        return [single]
    if isinstance(value, list):
        return [found for item in value if (found := _one(item)) is not None]
    return [(str(value), len(str(value)))]


def text(value: object) -> str | None:
    """The first value of a field as text (multi-valued fields keep the first), or None."""
    found = values(value)
    return found[0][0] if found else None


def integer(value: object) -> int | None:
    """A decimal field (PRIORITY, _PID, timestamps sent as strings); None when absent or not a number."""
    found = text(value)
    if found is None:
        return None
    try:
        return int(found.strip())
    except ValueError:
        return None


def message(value: object) -> tuple[str | None, int | None, bool]:
    """(text, bytes sent, truncated): ANSI escapes removed, several values joined by newlines, cut at 64 KiB."""
    if value is None:
        return None, None, False
    found = values(value)
    joined = "\n".join(ANSI.sub("", part) for part, _size in found)
    size = sum(size for _part, size in found)
    if len(joined) > MAX_MESSAGE_CHARS:
        return joined[:MAX_MESSAGE_CHARS], size, True
    return joined, size, False


def cursor_part(cursor: str, key: str) -> str | None:
    """One `key=value` part of a cursor (`s=...;i=...;b=...`): the cursor is opaque but stable in form."""
    for part in cursor.split(";"):
        name, _, found = part.partition("=")
        if name == key:
            return found
    return None
