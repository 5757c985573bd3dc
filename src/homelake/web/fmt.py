"""Plain-text formatting shared by pages and charts: durations, numbers, sizes, room names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def duration(delta: timedelta | float | None) -> str:
    if delta is None:
        return "–"
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    for unit, size_s in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size_s:
            return f"{sign}{seconds / size_s:.1f} {unit}"
    return f"{sign}{seconds:.0f} s"


def span(delta: timedelta | float | None) -> str:
    """A long stretch as people say it, in its two largest units: "3 d 4 h", "5 h 12 min", "40 s"."""
    if delta is None:
        return "–"
    seconds = int(max(delta.total_seconds() if isinstance(delta, timedelta) else float(delta), 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def size(value: Any) -> str:
    if value is None:
        return "–"
    amount = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(amount) < 1000 or unit == "TB":
            return f"{amount:,.1f} {unit}" if unit != "B" else f"{amount:,.0f} B"
        amount /= 1000
    return str(value)


def room_name(room: Any) -> str:
    """A room key from the site's metadata as people say it: `kids_room` -> "Kids room", `living` ->
    "Living room" (a bare area name gets "room" only where English does); None -> "(no room)"."""
    if room is None or str(room).strip() == "":
        return "(no room)"
    words = str(room).strip().replace("_", " ").replace("-", " ").split()
    if len(words) == 1 and words[0].lower() in _NEEDS_ROOM:
        words.append("room")
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# single-word keys that name a room only with "room" after them
_NEEDS_ROOM = {"living", "dining", "guest", "bath", "laundry", "play", "sitting", "utility", "boiler", "server"}
