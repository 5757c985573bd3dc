"""`homelake sql`: one-shot in every format, the raw lake views, read-only, and clear errors."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from homelake.cli.sql import sql
from homelake.sim.demo.pipeline import DemoRun
from homelake.warehouse.shell import Shell

pytestmark = pytest.mark.integration

COUNT = "select count(*) as n from inventory"


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("sql")(sql)
    app.command("noop")(lambda: None)  # two commands, so `sql` stays a subcommand as in the real app
    return app


def _run(cli: typer.Typer, run: DemoRun, *args: str, stdin: str | None = None):  # noqa: ANN202
    return CliRunner().invoke(cli, ["sql", "-c", str(run.site_file), *args], input=stdin)


def _devices(run: DemoRun) -> int:
    with Shell(run.settings.warehouse.path) as shell:
        return int(shell.run(COUNT)[0].rows[0][0])


def test_table_format(cli: typer.Typer, demo_run: DemoRun) -> None:
    result = _run(cli, demo_run, "select mac, is_online from inventory order by mac limit 2")
    assert result.exit_code == 0, result.output
    assert "mac" in result.output and "(2 rows)" in result.output


def test_csv_and_json_formats(cli: typer.Typer, demo_run: DemoRun) -> None:
    n = _devices(demo_run)
    as_csv = _run(cli, demo_run, "select mac, first_seen_at from inventory order by mac", "--format", "csv")
    rows = list(csv.reader(io.StringIO(as_csv.output)))
    assert rows[0] == ["mac", "first_seen_at"] and len(rows) == n + 1
    as_json = _run(cli, demo_run, "select mac, is_known from inventory order by mac", "-f", "json")
    records = json.loads(as_json.output)
    assert len(records) == n and set(records[0]) == {"mac", "is_known"}


def test_parquet_needs_output_and_writes_it(cli: typer.Typer, demo_run: DemoRun, tmp_path) -> None:  # noqa: ANN001
    refused = _run(cli, demo_run, COUNT, "-f", "parquet")
    assert refused.exit_code == 2 and refused.output.strip() == "error: --format parquet needs --output FILE"
    out = tmp_path / "inventory.parquet"
    done = _run(cli, demo_run, "select * from inventory", "-f", "parquet", "-o", str(out))
    assert done.exit_code == 0, done.output
    assert pq.read_table(out).num_rows == _devices(demo_run)


def test_output_file_for_text_formats(cli: typer.Typer, demo_run: DemoRun, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "n.csv"
    assert _run(cli, demo_run, COUNT, "-f", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text().splitlines() == ["n", str(_devices(demo_run))]


def test_raw_lake_views_and_staging(cli: typer.Typer, demo_run: DemoRun) -> None:
    result = _run(cli, demo_run, "select count(*) > 0 as has_rows from raw.mikrotik_dhcp_leases", "-f", "csv")
    assert result.output.splitlines() == ["has_rows", "True"]
    staged = _run(cli, demo_run, "select count(*) from staging.stg_mikrotik__wifi_clients", "-f", "csv")
    assert staged.exit_code == 0


@pytest.mark.parametrize(
    "statement",
    [
        "drop table inventory",
        "create table memory.t as select 1",
        "insert into inventory (mac) values ('x')",
        "copy (select 1) to '/tmp/homelake-should-not-exist.csv'",
        "attach '/tmp/homelake-should-not-exist.duckdb' as w",
        "set threads = 1",
        "select 1; drop table inventory",
    ],
)
def test_writes_fail_with_one_line(cli: typer.Typer, demo_run: DemoRun, statement: str) -> None:
    result = _run(cli, demo_run, statement)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: read-only:")
    assert _devices(demo_run) > 0


@pytest.mark.parametrize("statement", ["select * from no_such_table", "select 1 +", "select nope from inventory"])
def test_sql_error_is_duckdbs_message_exit_2(cli: typer.Typer, demo_run: DemoRun, statement: str) -> None:
    result = _run(cli, demo_run, statement)
    assert result.exit_code == 2
    # DuckDB's message with its hints and caret (tests/cli/test_sql_render.py), every line marked as the error
    assert all(line.startswith("error: ") for line in result.output.splitlines())
    assert "Traceback" not in result.output


def test_interactive_prompt(cli: typer.Typer, demo_run: DemoRun) -> None:
    script = ".tables\nselect count(*)\n  as n from inventory;\nselect * from nope;\n.quit\n"
    result = _run(cli, demo_run, "-f", "csv", stdin=script)
    assert result.exit_code == 0
    assert "raw.mikrotik_dhcp_leases" in result.output and "staging.stg_mikrotik__wifi_clients" in result.output
    assert f"n\n{_devices(demo_run)}\n" in result.output
    assert "error: Catalog Error" in result.output
