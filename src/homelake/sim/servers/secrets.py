"""Secret files the simulators write for the site files they describe (0600, never inline)."""

from __future__ import annotations

import os
from pathlib import Path


def write_secret(path: Path, value: str) -> Path:
    """Write `value` to `path` readable by the owner only; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return path
