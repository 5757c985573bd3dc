"""`homelake sql [QUERY]`: query the warehouse and the raw lake, one-shot or at an interactive prompt."""

from __future__ import annotations

import base64
import csv
import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer
from rich.console import Console

from homelake.cli.common import console, fail, load, print_error
from homelake.cli.render import render
from homelake.lake import layout
from homelake.sources import DATASETS
from homelake.warehouse.shell import Answer, Shell, ShellError, raw_view_name

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]
HELP = """.tables   list tables and views (marts, staging.*, raw.<family>_<dataset>)
.quit     leave (also .exit or Ctrl-D)
Statements end with ';' and may span lines. The session is read-only."""


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def write_answer(answer: Answer, fmt: Format, out: IO[str], max_rows: int | None = None) -> None:
    """`answer` in `fmt`; a table on the terminal fits its width and shows at most `max_rows` rows."""
    if fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(answer.columns)
        writer.writerows([_cell(v) for v in row] for row in answer.rows)
    elif fmt is Format.json:
        records = [dict(zip(answer.columns, row, strict=True)) for row in answer.rows]
        out.write(orjson.dumps(records, default=_json_default, option=orjson.OPT_UTC_Z).decode() + "\n")
    elif out is sys.stdout:
        shown = render(answer.columns, answer.rows, width=console.width, max_rows=max_rows)
        console.print(shown.table, highlight=False)
        for note in shown.notes:
            console.print(note, highlight=False, markup=False, soft_wrap=True)
    else:  # a file gets every row and column
        whole = render(answer.columns, answer.rows, width=None, max_rows=None)
        Console(file=out, width=100_000, emoji=False).print(whole.table, highlight=False)


def _write_parquet(shell: Shell, query: str, output: Path) -> int:
    import pyarrow.parquet as pq

    reader = shell.arrow_reader(query)
    rows = 0
    with pq.ParquetWriter(str(output), reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def run_once(shell: Shell, query: str, fmt: Format, output: Path | None, max_rows: int | None = None) -> None:
    if fmt is Format.parquet:
        if output is None:
            raise ShellError("--format parquet needs --output FILE")
        rows = _write_parquet(shell, query, output)
        print(f"{rows} rows written to {output}", file=sys.stderr)
        return
    answers = shell.run(query)
    if output is None:
        for answer in answers:
            write_answer(answer, fmt, sys.stdout, max_rows)
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        for answer in answers:
            write_answer(answer, fmt, handle)


def interactive(shell: Shell, fmt: Format, max_rows: int | None = None) -> None:
    """A readline prompt: statements until `;`, dot commands at the start of a statement."""
    try:
        import readline  # noqa: F401 - line editing and history for input()
    except ImportError:  # pragma: no cover - not on every platform
        pass
    console.print("homelake sql: the warehouse (read-only) and raw.* lake views. .help for help.", highlight=False)
    buffer: list[str] = []
    while True:
        try:
            line = input("   ...> " if buffer else "homelake> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print()
            buffer.clear()
            continue
        stripped = line.strip()
        if not buffer and stripped.startswith("."):
            command = stripped.split()[0]
            if command in (".quit", ".exit"):
                return
            if command == ".tables":
                for name in shell.tables():
                    console.print(name, highlight=False)
            elif command == ".help":
                console.print(HELP, highlight=False)
            else:
                print_error(f"unknown command {command}; try .help")
            continue
        buffer.append(line)
        if not stripped.endswith(";"):
            continue
        query, buffer = "\n".join(buffer), []
        try:
            for answer in shell.run(query):
                write_answer(answer, fmt if fmt is not Format.parquet else Format.table, sys.stdout, max_rows)
        except ShellError as exc:
            print_error(str(exc))


def sql(
    query: Annotated[str | None, typer.Argument(help="SQL to run once; without it, an interactive prompt.")] = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result to this file.")] = None,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=0, help="Rows a table on the terminal shows (0: all; files get all).")
    ] = 40,
) -> None:
    """Query the warehouse (marts, staging.*) and the raw lake (raw.<family>_<dataset>), read-only."""
    settings = load(config)
    try:
        with Shell(settings.warehouse.path, raw_views(settings.lake.root)) as shell:
            if query is None:
                interactive(shell, fmt, max_rows or None)
            else:
                run_once(shell, query, fmt, output, max_rows or None)
    except ShellError as exc:
        fail(str(exc))


def raw_views(lake_root: Path) -> dict[str, str]:
    """`raw.<family>_<dataset>` -> Parquet glob, for every declared dataset the lake has."""
    return {
        raw_view_name(d.family, d.name): layout.glob_pattern(lake_root, d)
        for d in DATASETS.values()
        if layout.dataset_dir(lake_root, d).is_dir()
    }
