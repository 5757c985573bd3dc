"""What every source family shares: the context a parser is given and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any


class PayloadError(ValueError):
    """A whole payload is unusable (not JSON, wrong shape); the caller dead-letters the raw bytes."""


@dataclass(frozen=True)
class ParseContext:
    """Facts a pure parser needs that are not in the payload. Parsers never read the clock."""

    family: str
    device_id: str
    collector: str
    observed_at: datetime  # UTC, aware: when the payload was fetched or received
    received_at: datetime  # UTC, aware
    local_tz: tzinfo  # the device's wall-clock zone, for timestamps sent without one

    def origin(self) -> dict[str, Any]:
        """The origin columns every lake row starts with."""
        return {
            "observed_at": self.observed_at,
            "received_at": self.received_at,
            "family": self.family,
            "device_id": self.device_id,
            "collector": self.collector,
        }


@dataclass(frozen=True)
class Reject:
    """One item that could not be parsed: the reason and its raw bytes, destined for dead_letter."""

    reason: str
    payload: bytes


@dataclass
class ParseResult:
    """Rows for one dataset plus the items that were rejected."""

    dataset: str  # lake dataset key, e.g. "mikrotik/dhcp_leases"
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
