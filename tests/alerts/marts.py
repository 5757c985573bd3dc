"""A small warehouse file holding the marts the alert rules read, with rows a test chooses (real DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

TABLES = {
    "device_expectations": "device varchar, family varchar, device_id varchar, kind varchar, last_seen_at timestamptz, "
    "failing_since timestamptz, last_error varchar, expected_every_s double, is_poll_failing boolean, "
    "is_failing boolean",
    "collector_targets": "source_family varchar, target varchar, is_failing boolean",
    "inventory": "mac varchar, display_name varchar, current_ip varchar, first_seen_at timestamptz, "
    "last_seen_at timestamptz, is_known boolean, as_of_at timestamptz",
    "energy_hourly_by_circuit": "circuit varchar, hour_start_at timestamptz, hour_start_local timestamp, "
    "avg_power_w double, coverage double",
    "rpt_dead_letters_by_dataset": "source_family varchar, dataset varchar, reject_count bigint, "
    "last_rejected_at timestamptz, last_reason varchar",
    "device_destinations_unexpected": "mac varchar, device_name varchar, device_type varchar, country_code varchar, "
    "asn bigint, as_org varchar, first_seen_at timestamptz, last_seen_at timestamptz",
}


def write_marts(path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """(Re)create every table of TABLES in the DuckDB file at `path`, with `rows[table]` in it."""
    with duckdb.connect(str(path)) as con:
        for table, columns in TABLES.items():
            con.execute(f"create or replace table {table} ({columns})")
            for row in rows.get(table, []):
                names = ", ".join(row)
                con.execute(f"insert into {table} ({names}) values ({', '.join('?' * len(row))})", list(row.values()))
