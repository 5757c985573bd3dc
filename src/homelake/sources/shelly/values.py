"""Shelly JSON value parsing: None when absent, ValueError when malformed, never a guess."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from homelake.sources.base import PayloadError

_TRUE = frozenset({"true", "on", "1", "yes"})
_FALSE = frozenset({"false", "off", "0", "no"})
_MAC_RE = re.compile(r"[0-9a-f]{12}|[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
FULL_PCT = 100  # the top of a percentage (a calibrated roller position, a battery)


_PATHS: dict[str, tuple[str, ...]] = {}


def dig(item: object, path: str) -> object:
    """`a.b.c` inside nested objects; None as soon as a level is missing or not an object."""
    keys = _PATHS.get(path)
    if keys is None:  # the column tables use a few dozen paths: split each once (hot path of ingestion)
        keys = _PATHS[path] = tuple(path.split("."))
    for key in keys:
        # `type(...) is dict` first: decoded JSON is always a dict, and ABC checks are slow per message
        if type(item) is not dict and not isinstance(item, Mapping):
            return None
        item = item.get(key)
    return item


def number(value: object) -> float | None:
    """A finite number from a JSON number or a numeric string (`"41.70"` on Gen1 MQTT topics)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not math.isfinite(result):
        raise ValueError(f"not a finite number: {value!r}")
    return result


def integer(value: object) -> int | None:
    """A whole number (an integral float such as `3.0` is accepted)."""
    result = number(value)
    if result is None:
        return None
    if not result.is_integer():
        raise ValueError(f"not an integer: {value!r}")
    return int(result)


def boolean(value: object) -> bool | None:
    """A bool; old Gen1 firmware sends `"true"`/`"false"` strings, MQTT topics `on`/`off`/`1`/`0`."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if not text:
            return None
    raise ValueError(f"not a boolean: {value!r}")


def text(value: object) -> str | None:
    """A non-empty string; numbers are tolerated, containers are not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def valid(section: object) -> bool:
    """False only when a Gen1 block says `is_valid` false (bool or the old string form)."""
    if not isinstance(section, Mapping) or "is_valid" not in section:
        return True
    return boolean(section["is_valid"]) is not False


def mac(value: object) -> str | None:
    """`aa:bb:cc:dd:ee:ff` from `AABBCCDDEEFF` or a colon form, any case."""
    raw = text(value)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if not _MAC_RE.fullmatch(lowered):
        raise ValueError(f"not a MAC address: {value!r}")
    digits = lowered.replace(":", "")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def errors(value: object) -> str | None:
    """A Gen2 `errors` list as one comma-joined string; an empty list is no error."""
    if value is None:
        return None
    if isinstance(value, list):
        names = [text(item) for item in value]
        joined = ",".join(name for name in names if name)
        return joined or None
    return text(value)


def unix_time(value: object) -> datetime | None:
    """UTC time from unix seconds (Gen2 `ts` fields are UTC floats)."""
    seconds = number(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError):
        raise ValueError(f"not a unix time: {value!r}") from None


def channel_of(key: str) -> tuple[str, int | None]:
    """`switch:0` -> (`switch`, 0); `sys` -> (`sys`, None)."""
    kind, sep, index = key.partition(":")
    if not sep:
        return kind, None
    if not index.isdigit():
        raise ValueError(f"component id is not a number: {key!r}")
    return kind, int(index)


def decode_text(payload: bytes, topic: str) -> str:
    """An MQTT payload as text; invalid UTF-8 is a PayloadError (the ingester dead-letters it)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"{exc.reason} at byte {exc.start}"
        raise PayloadError(f"{topic}: payload is not valid UTF-8 ({reason})") from None


def decode_json(payload: bytes, topic: str) -> object:
    """An MQTT payload as JSON; broken JSON (or invalid UTF-8) is a PayloadError."""
    try:
        return orjson.loads(payload)  # orjson validates UTF-8 itself: no separate decode on the hot path
    except orjson.JSONDecodeError as exc:
        decode_text(payload, topic)  # names invalid UTF-8 precisely when that is the cause
        raise PayloadError(f"{topic}: payload is not valid JSON ({exc})") from None


def json_object(payload: bytes, topic: str) -> Mapping[str, Any]:
    """An MQTT payload that must be a JSON object."""
    data = decode_json(payload, topic)
    if not isinstance(data, Mapping):
        raise PayloadError(f"{topic}: expected a JSON object, got {type(data).__name__}")
    return data


_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.]+))?")
_PRERELEASE_RE = re.compile(r"(alpha|beta|rc)", re.IGNORECASE)


def firmware_version(value: object) -> tuple[int, int, int, int] | None:
    """A comparable version from `1.4.4`, `1.5.0-beta1`, `20241011-114455/1.4.4-g6d2a586` or
    `20230913-113421/v1.14.0-gcb84623`: (major, minor, patch, 1 for a release / 0 for a pre-release).

    A `-g<hash>` suffix is a build, not a pre-release; None when no version can be read.
    """
    raw = text(value)
    if raw is None:
        return None
    match = _VERSION_RE.search(raw.rpartition("/")[2])
    if match is None:
        return None
    major, minor, patch, suffix = match.groups()
    release = 0 if suffix and _PRERELEASE_RE.search(suffix) else 1
    return int(major), int(minor), int(patch or 0), release


def is_newer(offered: object, installed: object) -> bool | None:
    """True when `offered` is a later version than `installed`; None when either cannot be read."""
    new, old = firmware_version(offered), firmware_version(installed)
    return None if new is None or old is None else new > old
