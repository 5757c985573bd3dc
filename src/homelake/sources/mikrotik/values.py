"""RouterOS REST value parsing (every value is a string): None when absent, ValueError when malformed."""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_MAC_RE = re.compile(r"[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}")
# Units largest-first, no separators (devices.md 1.4); `m(?!s)` keeps minutes apart from milliseconds.
_DURATION_RE = re.compile(
    r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?(?:(\d+)us)?"
)
_DURATION_UNITS_S = (604800, 86400, 3600, 60, 1, 0.001, 0.000001)
_CLOCK_RE = re.compile(r"(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)")
_ISO_TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OLD_TIME_RE = re.compile(r"([a-z]{3})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
# "72.2Mbps-20MHz/1S/SGI" (legacy wireless/CAPsMAN) or a plain "54000000" (v7 wifi, bit/s).
_RATE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([kKMG]?)bps(?:[-/ ].*)?")
_RATE_SCALE = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
# "-62@1Mbps" (legacy signal-strength), "-55" (v7 signal, CAPsMAN rx-signal).
_SIGNAL_RE = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:dBm)?(?:@.*)?")
_PAIR_PARTS = 2  # "tx,rx"


def present(value: object) -> object:
    """The value, or None when RouterOS left it unset (absent key or empty string)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return value


def parse_text(value: object) -> str | None:
    """A string field; numbers are tolerated (binary-API fixtures are typed), containers are not."""
    value = present(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def parse_bool(value: object) -> bool | None:
    """`"true"`/`"false"` (REST); `"yes"`/`"no"` and real booleans tolerated."""
    value = present(value)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_int(value: object) -> int | None:
    """A decimal integer string (counters are 64-bit and may exceed 2**32)."""
    if type(value) is str and value.isdigit() and value.isascii():  # the common case, first: counters
        return int(value)
    value = present(value)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def parse_float(value: object) -> float | None:
    """A decimal number string; NaN and infinities are refused."""
    value = present(value)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def parse_mtu(value: object) -> int | None:
    """An MTU; `"auto"` (bridges) means the router decides, so no number is recorded."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return None
    return parse_int(value)


def parse_duration(value: object) -> float | None:
    """Seconds from `1w2d3h4m5s`, `1s40ms`, `170ms`, `0s`, `"0"`, `"300"`, `00:00:10`, `0.12`, `5us`, `-1h`.

    `never` is None (e.g. a static lease that was never seen).
    """
    value = present(value)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"not a duration: {value!r}")
    text = value.strip().lower()
    if text == "never":
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if _FLOAT_RE.fullmatch(body):
        return sign * float(body)
    clock = _CLOCK_RE.fullmatch(body)
    if clock:
        hours, minutes, seconds = clock.groups()
        return sign * (int(hours) * 3600 + int(minutes) * 60 + float(seconds))
    match = _DURATION_RE.fullmatch(body)
    if not body or match is None:
        raise ValueError(f"not a duration: {value!r}")
    total = sum(float(part) * unit for part, unit in zip(match.groups(), _DURATION_UNITS_S, strict=True) if part)
    return sign * total


def parse_mac(value: object) -> str | None:
    """`aa:bb:cc:dd:ee:ff` from colon-, dash-separated or bare 12-hex-digit forms, any case."""
    value = present(value)
    if value is None:
        return None
    text = str(value).strip().lower()
    if not isinstance(value, str) or not _MAC_RE.fullmatch(text):
        raise ValueError(f"not a MAC address: {value!r}")
    digits = text.replace(":", "").replace("-", "")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def parse_ip(value: object) -> str | None:
    """A valid IPv4/IPv6 address in canonical form; anything else (a static lease's pool name) is None."""
    value = present(value)
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def parse_local_time(value: object, local_tz: tzinfo) -> datetime | None:
    """A router wall-clock time (`2024-12-05 09:03:19` or `Jun/15/2023 05:17:29`) as aware UTC.

    RouterOS sends no offset, so the router's zone decides; a time repeated at the autumn DST change
    resolves to its first (summer-time) occurrence.
    """
    value = present(value)
    if value is None:
        return None
    text = str(value).strip()
    try:
        if match := _ISO_TIME_RE.fullmatch(text):
            year, month, day, hour, minute, second = map(int, match.groups())
        elif (match := _OLD_TIME_RE.fullmatch(text)) and match.group(1).lower() in _MONTHS:
            month = _MONTHS[match.group(1).lower()]
            day, year, hour, minute, second = map(int, match.groups()[1:])
        else:
            raise ValueError("unknown format")
        local = datetime(year, month, day, hour, minute, second, tzinfo=local_tz)
    except ValueError:
        raise ValueError(f"not a RouterOS date-time: {value!r}") from None
    return local.astimezone(UTC)


def parse_rate(value: object) -> float | None:
    """Bits per second from `"72.2Mbps-20MHz/1S/SGI"`, `"1Mbps"` or a plain `"54000000"`."""
    value = present(value)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    match = _RATE_RE.fullmatch(text)
    if not isinstance(value, str) or match is None:
        raise ValueError(f"not a rate: {value!r}")
    # Decimal keeps 72.2 Mbps at exactly 72200000 bit/s.
    return float(Decimal(match.group(1)) * _RATE_SCALE[match.group(2)])


def parse_signal(value: object) -> float | None:
    """Signal in dBm from `"-55"` or legacy `"-62@1Mbps"` (the rate after `@` is dropped)."""
    value = present(value)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _SIGNAL_RE.fullmatch(str(value).strip())
    if not isinstance(value, str) or match is None:
        raise ValueError(f"not a signal level: {value!r}")
    return float(match.group(1))


def parse_pair(value: object) -> tuple[int | None, int | None]:
    """A `"tx,rx"` counter pair (AP perspective: first = sent to the client)."""
    value = present(value)
    if value is None:
        return None, None
    parts = str(value).split(",") if isinstance(value, str) else []
    if len(parts) != _PAIR_PARTS:
        raise ValueError(f"not a 'tx,rx' pair: {value!r}")
    return parse_int(parts[0].strip()), parse_int(parts[1].strip())
