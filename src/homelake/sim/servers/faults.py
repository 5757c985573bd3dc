"""Fault injection for simulated servers: what to break, how often, on which paths; set at run time."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

GENERIC_FAULTS: dict[str, str | None] = {
    "timeout": None,  # answer only after the configured delay (longer than a client's timeout)
    "unauthorized": None,  # 401 whatever the credentials
    "server_error": None,  # 500
    "malformed_json": None,  # 200 with a body that is not JSON
    "truncated": None,  # 200, full Content-Length announced, half the body sent, connection closed
}


@dataclass
class Fault:
    """One armed fault: `remaining` requests left (None = until cleared), on paths starting with `path`."""

    kind: str
    remaining: int | None
    path: str | None


class FaultPlan:
    """Thread-safe list of armed faults; the first matching one is taken (and counted down) per request.

    `kinds` maps each supported kind to the path prefix it applies to by default (None = any path).
    """

    def __init__(self, kinds: Mapping[str, str | None]) -> None:
        self.kinds = dict(kinds)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def inject(self, kind: str, count: int | None = 1, path: str | None = None) -> Fault:
        """Arm `kind` for the next `count` matching requests (count None or < 1: until cleared)."""
        if kind not in self.kinds:
            raise ValueError(f"unknown fault kind {kind!r}; supported: {', '.join(sorted(self.kinds))}")
        if path is not None and not path.startswith("/"):
            path = "/" + path
        fault = Fault(kind, count if count is not None and count > 0 else None, path or self.kinds[kind])
        with self._lock:
            self._faults.append(fault)
        return fault

    def inject_json(self, spec: Any) -> Fault:
        """Arm a fault from `{"kind": ..., "count": N, "path": prefix}` (the HTTP control path)."""
        if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
            raise ValueError('expected a JSON object like {"kind": "timeout", "count": 1, "path": "/interface"}')
        count, path = spec.get("count", 1), spec.get("path")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise ValueError("count must be an integer (or null for until cleared)")
        if path is not None and not isinstance(path, str):
            raise ValueError("path must be a string prefix such as /ip/dhcp-server/lease")
        return self.inject(spec["kind"], count, path)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> str | None:
        """The kind of the first armed fault matching `path`, counting it down; None if there is none."""
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault.kind
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]
