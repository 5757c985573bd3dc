"""`homelake lake ...`: look at the raw lake (stats, schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homelake.cli.common import console, load
from homelake.lake.inspect import lake_stats, schema_markdown

app = typer.Typer(help="Inspect the raw Parquet lake.", no_args_is_help=True)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


@app.command("stats")
def stats(config: ConfigOpt = None) -> None:
    """Datasets, partitions, files, rows and bytes."""
    settings = load(config)
    table = Table(title=f"lake {settings.lake.root}")
    for col in ("dataset", "days", "files", "rows", "bytes", "first day", "last day"):
        table.add_column(col, justify="right" if col in {"days", "files", "rows", "bytes"} else "left")
    for s in lake_stats(settings.lake.root):
        table.add_row(
            s.key,
            str(s.partitions),
            str(s.files),
            f"{s.rows:,}",
            f"{s.bytes:,}",
            s.first_day or "-",
            s.last_day or "-",
        )
    console.print(table)


@app.command("schema")
def schema() -> None:
    """Print every dataset's declared schema as Markdown."""
    print(schema_markdown(), end="")
