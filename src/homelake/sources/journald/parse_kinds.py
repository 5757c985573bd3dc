"""`homelake parse` kinds of the journald family: saved gatewayd `/entries` output -> journald/entries rows."""

from __future__ import annotations

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.journald.parser import parse_entries


def _entries(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parse_entries(raw, ctx)[0]]


PARSE_KINDS: tuple[ParseKind, ...] = (
    ParseKind(
        "journald-entries", "journald", "gatewayd GET /entries (application/json lines or text/event-stream)", _entries
    ),
)
