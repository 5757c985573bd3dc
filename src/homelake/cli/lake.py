"""`homelake lake ...`: look at the raw lake (stats, schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from homelake.cli.common import UserError, console, load
from homelake.lake.compaction import apply_retention, compact
from homelake.lake.inspect import lake_stats, schema_markdown
from homelake.lake.media import apply_media_retention, media_stats
from homelake.lake.writer import LakeWriter
from homelake.settings import Settings
from homelake.sources import DATASETS

app = typer.Typer(help="Inspect the raw Parquet lake.", no_args_is_help=True)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


@app.command("stats")
def stats(config: ConfigOpt = None) -> None:
    """Datasets, partitions, files, rows and bytes; media files and bytes per family with a media_dir."""
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
    media = [(name, media_stats(root)) for name, root, _, _ in _media_roots(settings)]
    if media:
        mtable = Table(title="media (files beside the lake)")
        for col in ("family", "root", "files", "bytes", "first day", "last day"):
            mtable.add_column(col, justify="right" if col in {"files", "bytes"} else "left")
        for name, m in media:
            mtable.add_row(name, str(m.root), f"{m.files:,}", f"{m.bytes:,}", m.first_day or "-", m.last_day or "-")
        console.print(mtable)


def _media_roots(settings: Settings) -> list[tuple[str, Path, int | None, int | None]]:
    """(family, media_dir, media_retention_days, media_max_bytes) of each family whose section sets a media_dir."""
    found = []
    for name, root in settings.media_dirs().items():
        config = settings.family_config(name)
        found.append((name, root, getattr(config, "media_retention_days", None),
                      getattr(config, "media_max_bytes", None)))  # fmt: skip
    return found


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
    """Delete raw partitions older than lake.retention_days, and media (snapshots) older than their family's
    media_retention_days or beyond its media_max_bytes (each off unless configured)."""
    settings = load(config)
    days = keep_days or settings.lake.retention_days
    media = [m for m in _media_roots(settings) if m[2] is not None or m[3] is not None]
    if days is None and not media:
        raise UserError("retention is off: set lake.retention_days (or a family's media_retention_days) in the "
                        "site file or pass --keep-days")  # fmt: skip
    if days is not None:
        removed = apply_retention(settings.lake.root, days, DATASETS.values())
        console.print(f"removed {len(removed)} partitions older than {days} days", highlight=False)
    for family, root, media_days, max_bytes in media:
        deleted = apply_media_retention(root, keep_days=media_days, max_bytes=max_bytes)
        marks = DATASETS.get(f"{family}/media_deletions")
        if deleted and marks is not None:  # the rows describing the files stay; these rows mark them deleted
            now = datetime.now(UTC)
            lake = LakeWriter(settings.lake.root, collector="retention")
            lake.write_rows(marks, [{"observed_at": now, "received_at": now, "family": family,
                                     "device_id": item.device_id, "collector": "retention", "path": item.path,
                                     "sha256": item.sha256, "bytes": item.bytes, "reason": reason}
                                    for item, reason in deleted])  # fmt: skip
        freed = sum(item.bytes for item, _ in deleted)
        console.print(f"{family}: deleted {len(deleted)} media files ({freed:,} bytes) from {root}", highlight=False)
