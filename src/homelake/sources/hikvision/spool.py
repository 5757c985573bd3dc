"""A bounded local spool for the MQTT relay: events are appended (fsynced) before publishing and acknowledged
only at their PUBACK, so a broker outage or a killed relay loses nothing it had read."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import orjson


class SpoolFull(Exception):
    """The spool reached its bound; the event was not kept (reported, never silent)."""


class Spool:
    """`<path>` holds one JSON line per event; `<path>.acked` the count of lines already delivered."""

    def __init__(self, path: Path, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.acked_path = path.with_name(path.name + ".acked")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dropped = 0

    def _acked(self) -> int:
        try:
            return int(self.acked_path.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def append(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        line = orjson.dumps({"t": topic, "p": base64.b64encode(payload).decode(), "r": retain}) + b"\n"
        size = self.path.stat().st_size if self.path.exists() else 0
        if size + len(line) > self.max_bytes:
            self.dropped += 1
            raise SpoolFull(f"relay spool {self.path} is full ({size} bytes); event not kept")
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def pending(self) -> list[tuple[str, bytes, bool]]:
        """Every event not yet acknowledged, in the order it was appended."""
        if not self.path.exists():
            return []
        lines = self.path.read_bytes().splitlines()[self._acked() :]
        out = []
        for line in lines:
            item = orjson.loads(line)
            out.append((str(item["t"]), base64.b64decode(item["p"]), bool(item["r"])))
        return out

    def ack(self, count: int) -> None:
        """`count` more events were delivered; an empty spool is truncated."""
        done = self._acked() + count
        total = len(self.path.read_bytes().splitlines()) if self.path.exists() else 0
        if done >= total:
            self.path.unlink(missing_ok=True)
            done = 0
        tmp = self.acked_path.with_name(self.acked_path.name + ".tmp")
        tmp.write_text(str(done))
        tmp.replace(self.acked_path)
