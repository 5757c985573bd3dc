"""What the families' site-file sections share: the checks and fields every device list repeats."""

from __future__ import annotations

from collections.abc import Iterable


def unique_names(names: Iterable[str], what: str) -> None:
    """ValueError naming the names given more than once; `what` names them (e.g. "node names")."""
    names = list(names)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{what} must be unique; repeated: {', '.join(dupes)}")
