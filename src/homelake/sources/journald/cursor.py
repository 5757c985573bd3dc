"""The durable cursor of one gateway: a small file replaced atomically (temp file, fsync, rename)."""

from __future__ import annotations

import os
from pathlib import Path


class CursorStore:
    """Remembers the last cursor whose entry is durable in the lake; None path keeps it in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: str | None = None

    def load(self) -> str | None:
        if self.path is None:
            return self._memory
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        return text or None

    def save(self, cursor: str) -> None:
        self._memory = cursor
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w") as handle:
            handle.write(cursor + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def clear(self) -> None:
        self._memory = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
