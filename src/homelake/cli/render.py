"""Query answers as a terminal table, like DuckDB's own shell: columns that fit, short floats, a row limit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text

MAX_CELL = 40  # characters of one cell before it is cut with "…"
SIGNIFICANT = 6  # digits a float is shown with (0.0021839999999995713 -> 0.002184)


def float_text(value: float) -> str:
    """A float rounded to six significant digits, in plain notation unless it is very large or small."""
    if not math.isfinite(value) or value == 0:
        return str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 15 or magnitude < -5:  # noqa: PLR2004 - where plain notation stops being readable
        return f"{value:.{SIGNIFICANT - 1}e}"
    decimals = max(1, SIGNIFICANT - 1 - magnitude)
    text = f"{value:.{decimals}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return float_text(value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


@dataclass
class Rendered:
    table: Table
    notes: list[str]


def render(columns: list[str], rows: list[tuple[Any, ...]], *, width: int | None, max_rows: int | None) -> Rendered:
    """The table to print and what it leaves out. `width`: the terminal's (None: every column); `max_rows`:
    rows shown (None: all). Columns are kept left to right while they fit; the rest are named in a note."""
    shown_rows = rows if max_rows is None else rows[:max_rows]
    cells = [[cell_text(v) for v in row] for row in shown_rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    keep = len(columns)
    if width is not None:
        used = 0
        for i, column_width in enumerate(widths):
            used += column_width + (3 if i else 0)  # " │ " between columns
            if used > width and i > 0:
                keep = i
                break
    table = Table(show_edge=False, header_style="bold")
    for name, column_width in zip(columns[:keep], widths[:keep], strict=True):
        table.add_column(Text(name), no_wrap=True, overflow="ellipsis", min_width=min(column_width, MAX_CELL))
    for row in cells:
        table.add_row(*(Text(cell) for cell in row[:keep]))  # data, never rich markup
    count = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
    if len(shown_rows) < len(rows):
        count += f", {len(shown_rows)} shown; --max-rows N shows more, --format csv all"
    notes = [f"({count})"]
    hidden = columns[keep:]
    if hidden:
        notes.append(
            f"{len(hidden)} column{'' if len(hidden) == 1 else 's'} hidden to fit the terminal: {', '.join(hidden)} "
            "(select fewer columns, widen the terminal, or use --format csv/json)"
        )
    return Rendered(table, notes)
