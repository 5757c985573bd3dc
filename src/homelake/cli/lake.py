"""`homelake lake ...`: look at the raw lake (stats, schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homelake.cli.common import UserError, console, load
from homelake.lake.compaction import apply_retention, compact
from homelake.lake.inspect import lake_stats, schema_markdown
from homelake.sources import DATASETS

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
    for s in lake_stats(settings.lake.root, DATASETS.values()):
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
    print(schema_markdown(DATASETS.values()), end="")


@app.command("compact")
def compact_cmd(config: ConfigOpt = None) -> None:
    """Merge the small files of closed (past UTC day) partitions into one file each; safe to rerun."""
    settings = load(config)
    report = compact(settings.lake.root, DATASETS.values())
    for line in report.details:
        console.print(line, highlight=False)
    console.print(
        f"compacted {report.partitions} partitions: {report.files_before} files -> {report.files_after}, "
        f"{report.rows:,} rows, {report.bytes_before:,} -> {report.bytes_after:,} bytes"
        + (f"; finished {report.finished_interrupted} interrupted deletions" if report.finished_interrupted else "")
    )


@app.command("retention")
def retention_cmd(
    config: ConfigOpt = None,
    keep_days: Annotated[int | None, typer.Option(help="Override lake.retention_days.")] = None,
) -> None:
    """Delete raw partitions older than lake.retention_days (off unless configured)."""
    settings = load(config)
    days = keep_days or settings.lake.retention_days
    if days is None:
        raise UserError("retention is off: set lake.retention_days in the site file or pass --keep-days")
    removed = apply_retention(settings.lake.root, days, DATASETS.values())
    console.print(f"removed {len(removed)} partitions older than {days} days", highlight=False)
