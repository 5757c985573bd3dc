"""Per-request warehouse access: one short read-only connection, results as rows, gaps as empty states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from homelake.warehouse.query import connect_readonly
from homelake.web.queries import Query

_TABLE = re.compile(r"Table with name (\S+) does not exist")


@dataclass
class Result:
    """Rows of one named query; `missing` says why there are none when the table itself is absent."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    missing: str | None = None

    @property
    def empty(self) -> bool:
        return not self.rows

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def first(self) -> dict[str, Any] | None:
        return dict(zip(self.columns, self.rows[0], strict=True)) if self.rows else None


def _missing_table(message: str) -> str:
    found = _TABLE.search(message)
    name = found.group(1) if found else "a table this view needs"
    return f"{name} is not in the warehouse yet"


class Warehouse:
    """Opens the published warehouse lazily, once per request, and always read-only.

    A new connection per request is what lets `homelake transform` swap in a new file while the
    dashboard runs: the next request opens the new one.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def _connection(self) -> duckdb.DuckDBPyConnection | None:
        if self._con is None and self.exists:
            try:
                self._con = connect_readonly(self.path)
            except FileNotFoundError:  # replaced between the check and the open
                return None
        return self._con

    def run(self, query: Query, values: dict[str, Any] | None = None) -> Result:
        """Run a named query, binding the parameters it names from `values`; a missing warehouse or
        table gives an empty Result that says why."""
        values = values or {}
        params = {name: values[name] for name in query.param_names}
        con = self._connection()
        if con is None:
            return Result(missing=f"no warehouse yet at {self.path}; run `homelake transform`")
        try:
            cursor = con.execute(query.sql, params)
        except duckdb.CatalogException as exc:
            # a mart not built yet (its family collects nothing so far) is an empty state, not an error
            return Result(missing=_missing_table(str(exc)))
        columns = [d[0] for d in cursor.description or []]
        return Result(columns=columns, rows=cursor.fetchall())

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
