"""`homelake parse` kinds of the prometheus family: a saved scrape -> prometheus/samples rows."""

from __future__ import annotations

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.prometheus import parser
from homelake.sources.prometheus.allow import AllowList


def _text(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    # A saved scrape is looked at whole: one row per sample as Prometheus's parser counts them.
    return [parser.parse_text(raw, ctx, AllowList(everything=True))]


PARSE_KINDS: tuple[ParseKind, ...] = (
    ParseKind("prometheus-text", "prometheus", "Prometheus text exposition (node_exporter /metrics)", _text),
)
