"""The SQL shell's session: the warehouse read-only plus `raw.<family>_<dataset>` views over the lake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from homelake.warehouse.query import connect_readonly

# Statement kinds a read-only shell runs; everything else (CREATE, INSERT, COPY, ATTACH, SET...) is refused.
ALLOWED = {
    duckdb.StatementType.SELECT,
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
}


class ShellError(Exception):
    """A statement failed or is not allowed; the message is DuckDB's, hints and caret included."""


@dataclass
class Answer:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def raw_view_name(family: str, dataset: str) -> str:
    return f"{family}_{dataset}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_message(exc: BaseException) -> str:
    """DuckDB's message without blank lines: the error, its hints (`Did you mean "inventory"?`, candidate
    bindings) and the `LINE 1:` excerpt with its caret, which stays aligned (every line gets the same prefix)."""
    lines = [line.rstrip() for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines) if lines else type(exc).__name__


# What an extension statement gets instead of DuckDB's own error: why, and that nothing is missing.
EXTENSIONS_REFUSED = (
    "{verb} is not available here: the shell is read-only and does not fetch or load extensions; "
    "Parquet, JSON and CSV reading are built in"
)


class Shell:
    """One session. Writes fail twice over: only query statements run, and the warehouse is attached
    read-only (the views live in an in-memory catalog that nothing persists)."""

    def __init__(self, warehouse: Path, raw: Mapping[str, str] | None = None) -> None:
        """`raw`: view name -> Parquet glob of each raw lake dataset to offer as `raw.<name>`."""
        try:
            self.con = connect_readonly(warehouse)
        except (FileNotFoundError, duckdb.Error) as exc:
            raise ShellError(duckdb_message(exc)) from None
        self.raw_views: list[str] = []
        self.con.execute("create schema memory.raw")
        for name, pattern in (raw or {}).items():
            # DDL takes no parameters; the glob is ours (from the site file), quoted as a literal
            self.con.execute(
                f"create view memory.raw.{name} as select * from "
                f"read_parquet({_quote(pattern)}, hive_partitioning = true, union_by_name = true)"
            )
            self.raw_views.append(name)
        # `inventory` resolves in the warehouse, `raw.x` in memory; then the settings are frozen
        self.con.execute("set search_path = 'warehouse.main,memory.raw,memory.main'")
        self.con.execute("set lock_configuration = true")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def statements(self, sql: str) -> list[duckdb.Statement]:
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as exc:
            raise ShellError(duckdb_message(exc)) from None
        for statement in statements:
            if statement.type is duckdb.StatementType.LOAD:
                words = statement.query.split()
                verb = " ".join(words[:2] if words and words[0].lower() == "force" else words[:1]).upper()
                raise ShellError(EXTENSIONS_REFUSED.format(verb=verb or "LOAD"))
            if statement.type not in ALLOWED:
                kind = str(statement.type).rsplit(".", 1)[-1]
                raise ShellError(f"read-only: {kind} statements are not allowed; only queries run here")
        return statements

    def run(self, sql: str) -> list[Answer]:
        """Run every statement in `sql`; each one's rows come back in order."""
        answers = []
        for statement in self.statements(sql):
            try:
                cursor = self.con.execute(statement.query)
                columns = [d[0] for d in cursor.description or []]
                answers.append(Answer(columns, cursor.fetchall() if columns else []))
            except duckdb.Error as exc:
                raise ShellError(duckdb_message(exc)) from None
        return answers

    def arrow_reader(self, sql: str) -> Any:
        """The last statement's result as an Arrow record batch reader (for Parquet output)."""
        statements = self.statements(sql)
        if not statements:
            raise ShellError("no statement to run")
        try:
            for statement in statements[:-1]:
                self.con.execute(statement.query)
            return self.con.sql(statements[-1].query).to_arrow_reader()
        except duckdb.Error as exc:
            raise ShellError(duckdb_message(exc)) from None

    def tables(self) -> list[str]:
        """Every name a query can use: marts bare, other warehouse schemas and `raw.` qualified."""
        rows = self.con.execute(
            "select table_catalog, table_schema, table_name from information_schema.tables "
            "where table_catalog in ('warehouse', 'memory') order by table_catalog desc, table_schema, table_name"
        ).fetchall()
        return [name if schema == "main" else f"{schema}.{name}" for _catalog, schema, name in rows]
