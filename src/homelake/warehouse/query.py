"""Read-only, short-lived connections to the published warehouse (never the write lock)."""

from __future__ import annotations

from pathlib import Path

import duckdb

CATALOG = "warehouse"


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse read-only, with the session in UTC; use it as a context manager.

    Each call gets its own in-memory DuckDB instance with the file ATTACHed read-only, rather than
    `duckdb.connect(path)`: that one reuses any instance of the same path still open in this process, and
    so would keep serving the file that a publish has since replaced. Close connections soon all the same:
    an open one keeps reading the file it opened.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}; run `homelake transform` first")
    con = duckdb.connect()
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
        con.execute(f"USE {CATALOG}")
        # ICU is built in but loads after connect-time config, so the zone is set per session.
        con.execute("SET TimeZone = 'UTC'")
    except Exception:
        con.close()
        raise
    return con
