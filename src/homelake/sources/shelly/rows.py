"""Shelly dataset keys, their columns, and the collector that builds rows or rejects per item."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, Reject

SWITCH_READINGS = "shelly/switch_readings"
SENSOR_READINGS = "shelly/sensor_readings"
DEVICE_STATUS = "shelly/device_status"
EVENTS = "shelly/events"

# Mirrors homelake.lake.schemas (a family never imports the lake layer); a test keeps them equal.
# fmt: off
COLUMNS: dict[str, tuple[str, ...]] = {
    SWITCH_READINGS: (
        "generation", "model", "channel", "component", "output", "power_w", "voltage_v", "current_a", "pf",
        "freq_hz", "energy_wh", "returned_energy_wh", "temperature_c", "uptime_s", "cover_state",
        "cover_pos", "errors", "transport",
    ),
    SENSOR_READINGS: (
        "generation", "model", "channel", "temperature_c", "humidity_pct", "lux", "battery_pct",
        "battery_v", "motion", "vibration", "transport",
    ),
    DEVICE_STATUS: (
        "generation", "model", "mac", "ip", "firmware", "uptime_s", "rssi_dbm", "ssid", "is_online",
        "cloud_connected", "mqtt_connected", "ram_free_bytes", "has_update", "transport",
    ),
    EVENTS: ("generation", "channel", "component", "event", "event_at", "transport"),
}
# fmt: on


def raw_json(item: Any) -> bytes:
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
        """Append ctx.origin() plus exactly the dataset's columns (missing ones are None)."""
        columns = COLUMNS[dataset]
        unknown = set(values) - set(columns)
        if unknown:
            raise KeyError(f"{dataset} has no column(s) {sorted(unknown)}")
        self._result(dataset).rows.append(ctx.origin() | {name: values.get(name) for name in columns})

    def build(
        self, dataset: str, ctx: ParseContext, what: str, item: Any, values: Callable[[], Mapping[str, Any]]
    ) -> None:
        """One row from `values()`; a malformed value rejects this item only, with its raw JSON."""
        try:
            built = values()
        except ValueError as exc:
            self.reject(dataset, f"{dataset} {what}: {exc}", item)
            return
        self.row(dataset, ctx, built)

    def reject(self, dataset: str, reason: str, item: Any) -> None:
        self._result(dataset).rejects.append(Reject(reason, raw_json(item)))

    def extend(self, results: list[ParseResult]) -> None:
        for result in results:
            target = self._result(result.dataset)
            target.rows += result.rows
            target.rejects += result.rejects

    def to_list(self) -> list[ParseResult]:
        return [r for r in self._by_dataset.values() if r.rows or r.rejects]
