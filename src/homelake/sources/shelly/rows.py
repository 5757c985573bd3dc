"""Shelly dataset keys, their columns, and the collector that builds rows or rejects per item."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, Reject
from homelake.sources.shelly.datasets import (
    DATASETS,
    SHELLY_DEVICE_STATUS,
    SHELLY_EVENTS,
    SHELLY_SENSOR_READINGS,
    SHELLY_SWITCH_READINGS,
)

SWITCH_READINGS = SHELLY_SWITCH_READINGS.key
SENSOR_READINGS = SHELLY_SENSOR_READINGS.key
DEVICE_STATUS = SHELLY_DEVICE_STATUS.key
EVENTS = SHELLY_EVENTS.key
DEVICE_TS = "device_ts"  # the device's own clock, beside the origin's receipt time

# The declared columns of each dataset (after the origin columns): the contract, read from the schema.
COLUMNS: dict[str, tuple[str, ...]] = {d.key: tuple(f.name for f in d.fields) for d in DATASETS}


def raw_json(item: object) -> bytes:
    """The item as JSON bytes, so a reject can be replayed through the parser later."""
    if isinstance(item, bytes):
        return item
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class Results:
    """Rows and rejects grouped by dataset, in first-seen order."""

    def __init__(self) -> None:
        self._by_dataset: dict[str, ParseResult] = {}

    def _result(self, dataset: str) -> ParseResult:
        return self._by_dataset.setdefault(dataset, ParseResult(dataset))

    def row(self, dataset: str, ctx: ParseContext, values: Mapping[str, Any]) -> None:
        """Append ctx.origin() plus exactly the dataset's columns (missing ones are None); `device_ts` is the
        context's unless the values name a closer one (a Gen1 meter's own timestamp)."""
        columns = COLUMNS[dataset]
        unknown = set(values) - set(columns)
        if unknown:
            raise KeyError(f"{dataset} has no column(s) {sorted(unknown)}")
        row = ctx.origin() | {name: values.get(name) for name in columns}
        if DEVICE_TS in columns and row[DEVICE_TS] is None:
            row[DEVICE_TS] = ctx.device_ts
        self._result(dataset).rows.append(row)

    def build(
        self, dataset: str, ctx: ParseContext, what: str, item: object, values: Callable[[], Mapping[str, Any]]
    ) -> None:
        """One row from `values()`; a malformed value rejects this item only, with its raw JSON."""
        try:
            built = values()
        except ValueError as exc:
            self.reject(dataset, f"{dataset} {what}: {exc}", item)
            return
        self.row(dataset, ctx, built)

    def reject(self, dataset: str, reason: str, item: object) -> None:
        self._result(dataset).rejects.append(Reject(reason, raw_json(item)))

    def extend(self, results: list[ParseResult]) -> None:
        for result in results:
            target = self._result(result.dataset)
            target.rows += result.rows
            target.rejects += result.rejects

    def to_list(self) -> list[ParseResult]:
        return [r for r in self._by_dataset.values() if r.rows or r.rejects]
