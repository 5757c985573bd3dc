"""`homelake parse` kinds of the prometheus family: a saved scrape -> prometheus/samples rows."""

from __future__ import annotations

import json
from typing import Any

from homelake.sources.base import ParseContext, ParseKind, ParseResult
from homelake.sources.prometheus import parser
from homelake.sources.prometheus.allow import AllowList


def _text(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
    # A saved scrape is looked at whole: one row per sample as Prometheus's parser counts them.
    return [parser.parse_text(raw, ctx, AllowList(everything=True))]


def _sample(row: dict[str, Any]) -> dict[str, Any]:
    """A sample as Prometheus names it: `family` is the metric family (the lake keeps it in `metric_family`, its
    `family` column being the source family, prometheus) and `labels` an object (the lake's sorted JSON text)."""
    shown = {k: v for k, v in row.items() if k not in ("family", "metric_family", "labels")}
    return {"family": row["metric_family"], "labels": json.loads(row["labels"]), **shown}


PARSE_KINDS: tuple[ParseKind, ...] = (
    ParseKind(
        "prometheus-text", "prometheus", "Prometheus text exposition (node_exporter /metrics)", _text, view=_sample
    ),
)
