"""Read-only warehouse connections: no writes, UTC session, and a swap is seen by the next connection."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from homelake.warehouse.query import connect_readonly


def _warehouse(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table inventory as select ? as v, timestamptz '2024-05-01 10:00:00+00' as seen_at",
            [value],
        )


def test_next_connection_sees_a_swapped_file_while_an_old_one_is_open(tmp_path: Path) -> None:
    published, staged = tmp_path / "warehouse.duckdb", tmp_path / ".build-x.duckdb"
    _warehouse(published, 1)
    _warehouse(staged, 2)
    with connect_readonly(published) as old:
        assert old.execute("select v from inventory").fetchall() == [(1,)]
        os.replace(staged, published)
        with connect_readonly(published) as new:
            assert new.execute("select v, seen_at from inventory").fetchall() == [
                (2, datetime(2024, 5, 1, 10, tzinfo=UTC))
            ]
        assert old.execute("select v from inventory").fetchall() == [(1,)]


def test_connection_is_read_only(tmp_path: Path) -> None:
    _warehouse(tmp_path / "warehouse.duckdb", 1)
    with connect_readonly(tmp_path / "warehouse.duckdb") as con, pytest.raises(duckdb.Error):
        con.execute("drop table inventory")


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="homelake transform"):
        connect_readonly(tmp_path / "nope.duckdb")
