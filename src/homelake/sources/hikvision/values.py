"""Pure value converters for ISAPI fields: text, numbers, MACs and device times, each raising ValueError."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

_MAC = re.compile(r"^[0-9a-f]{2}([:-]?[0-9a-f]{2}){5}$")
_BUILD = re.compile(r"build\s*(\S+)", re.IGNORECASE)


def text(value: object) -> str | None:
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def lower(value: object) -> str | None:
    out = text(value)
    return None if out is None else out.lower()


def integer(value: object) -> int | None:
    out = text(value)
    if out is None:
        return None
    try:
        return int(float(out)) if "." in out else int(out)
    except ValueError:
        raise ValueError(f"not an integer: {out!r}") from None


def number(value: object) -> float | None:
    out = text(value)
    if out is None:
        return None
    try:
        return float(out.rstrip("%"))
    except ValueError:
        raise ValueError(f"not a number: {out!r}") from None


def mac(value: object) -> str | None:
    out = lower(value)
    if out is None:
        return None
    if not _MAC.match(out):
        raise ValueError(f"not a MAC address: {out!r}")
    digits = out.replace(":", "").replace("-", "")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def build(value: object) -> str | None:
    """`build 230313` -> `230313` (firmwareReleasedDate)."""
    out = text(value)
    if out is None:
        return None
    match = _BUILD.search(out)
    return match.group(1) if match else out


def boolean(value: object) -> bool | None:
    out = lower(value)
    if out is None:
        return None
    if out in ("true", "1", "yes"):
        return True
    if out in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {out!r}")


def device_time(value: object, local_tz: tzinfo) -> datetime | None:
    """An ISO 8601 device time in UTC; one without an offset is read in the device's zone."""
    out = text(value)
    if out is None:
        return None
    try:
        parsed = datetime.fromisoformat(out.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {out!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz)
    return parsed.astimezone(UTC)
