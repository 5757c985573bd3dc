"""`homelake parse` kinds of the swos family: saved `.b` answers of a SwOS / SwOS Lite switch -> lake rows."""

from __future__ import annotations

from collections.abc import Callable

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.swos import bformat, parser


def _kind(parse: Callable[[object, ParseContext], ParseResult]) -> Callable[[bytes, ParseContext], list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        return [parse(bformat.loads(raw), ctx)]

    return run


PARSE_KINDS = (
    ParseKind("swos-poe", "swos", "GET /poe.b (PoE per port: state, W, V, mA)", _kind(parser.parse_poe)),
    ParseKind("swos-links", "swos", "GET /link.b (ports: name, link, speed)", _kind(parser.parse_links)),
    ParseKind("swos-hosts", "swos", "GET /!dhost.b (host table: MAC per port)", _kind(parser.parse_hosts)),
    ParseKind("swos-system", "swos", "GET /sys.b (identity, model, version)", _kind(parser.parse_system)),
)
