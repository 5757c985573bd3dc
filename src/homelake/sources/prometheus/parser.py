"""Pure parser: Prometheus text exposition -> prometheus/samples rows, through prometheus_client's own parser."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.prometheus.allow import AllowList
from homelake.sources.prometheus.datasets import PROMETHEUS_SAMPLES

SAMPLES = PROMETHEUS_SAMPLES.key
Getter = Callable[[Metric, Sample], Any]


def _sample_at(_family: Metric, sample: Sample) -> datetime | None:
    stamp = sample.timestamp
    if stamp is None:
        return None
    seconds = float(stamp)
    return datetime.fromtimestamp(seconds, UTC) if math.isfinite(seconds) else None


# One line per column: what each lake column is, read from the parsed family and sample.
COLUMNS: tuple[tuple[str, Getter], ...] = (
    ("metric_family", lambda family, _s: family.name),
    ("name", lambda _f, sample: sample.name),
    ("labels", lambda _f, sample: json.dumps(sample.labels, sort_keys=True, separators=(",", ":"))),
    ("value", lambda _f, sample: float(sample.value)),
    ("metric_type", lambda family, _s: family.type),
    ("sample_at", _sample_at),
)


def _families(text: str) -> Iterable[Metric]:
    return text_string_to_metric_families(text)


def _by_line(text: str) -> Iterator[tuple[Metric | None, str]]:
    """Fallback for a scrape the parser refuses as a whole: each sample line with its family's TYPE line,
    so one malformed line costs that line only. Yields (family, "") or (None, the refused line)."""
    type_line = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if stripped.split(None, 2)[1:2] == ["TYPE"]:
                type_line = stripped
            continue
        try:
            parsed = list(_families(f"{type_line}\n{line}\n"))
        except (ValueError, IndexError, KeyError) as exc:
            yield None, f"{line}\n{exc}"
            continue
        for family in parsed:
            yield family, ""


def parse_text(
    raw: bytes, ctx: ParseContext, allow: AllowList | None = None, *, node: str | None = None, job: str = "node"
) -> ParseResult:
    """Every allow-listed sample of one scrape; a line the parser refuses becomes a reject, the rest is kept.
    PayloadError when the body is not Prometheus text at all (HTML, empty)."""
    allow = allow or AllowList()
    text = raw.decode("utf-8", errors="replace")
    head = text.lstrip()[:1]
    if not head:
        raise PayloadError("empty scrape: no metrics at all")
    if head in "<{":
        raise PayloadError("not Prometheus text (the body looks like HTML or JSON)")
    result = ParseResult(SAMPLES)
    try:
        found: list[tuple[Metric | None, str]] = [(family, "") for family in _families(text)]
    except (ValueError, IndexError, KeyError):
        found = list(_by_line(text))
    base = ctx.origin() | {"node": node or ctx.device_id, "job": job}
    for family, refused in found:
        if family is None:
            line, _, reason = refused.partition("\n")
            result.rejects.append(Reject(f"malformed exposition line: {reason}", line.encode()))
            continue
        for sample in family.samples:
            if allow.admits(family.name, sample.name):
                result.rows.append(base | {name: get(family, sample) for name, get in COLUMNS})
    if not result.rows and result.rejects and len(result.rejects) == sum(1 for _ in _sample_lines(text)):
        raise PayloadError(f"not Prometheus text: none of its {len(result.rejects)} lines parse")
    return result


def _sample_lines(text: str) -> Iterator[str]:
    return (line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
