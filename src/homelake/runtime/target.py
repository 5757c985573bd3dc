"""What the poller needs from a source: a named target that polls once and says what it got."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from homelake.sources.base import ParseResult


class PollOutcome(Protocol):
    @property
    def results(self) -> Sequence[ParseResult]: ...

    @property
    def dead_letters(self) -> Sequence[tuple[str, str, bytes]]:  # (dataset key, reason, raw bytes)
        ...

    @property
    def errors(self) -> Sequence[Exception]: ...


class PollTarget(Protocol):
    source: str  # the family, e.g. "mikrotik"
    name: str  # the target within the family, e.g. the router name
    interval_s: float
    timeout_s: float

    async def poll(self) -> PollOutcome: ...

    def is_transient(self, exc: Exception) -> bool:
        """True when trying again soon may help (timeouts, 5xx), False for auth or config errors."""
        ...

    async def aclose(self) -> None: ...
