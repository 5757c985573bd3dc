"""`homelake parse` kinds of the PowMR family: a saved 8851 state-reply frame (raw bytes) -> a powmr/status row."""

from __future__ import annotations

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.powmr import parser
from homelake.sources.powmr.registers import load_map


def _state_8851(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    return [parser.parse_8851(raw, ctx, load_map("inv8851"))]


PARSE_KINDS = (
    ParseKind("powmr-8851", "powmr", "8851 state reply frame (154 raw bytes, POW-HVM4.5K/6.5K)", _state_8851),
)
