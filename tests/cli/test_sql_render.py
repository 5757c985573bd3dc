"""`homelake sql` on a real DuckDB warehouse file: wide results fit the terminal, floats are short, rows are
limited on the terminal (never in a file), DuckDB's hints stay in errors, and extensions get a clear refusal."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from homelake.cli.app import app
from homelake.cli.render import float_text

WIDE_COLUMNS = [f"column_number_{i:02d}" for i in range(20)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site file whose warehouse has a 20-column `inventory` of 100 rows and a float that prints badly."""
    root = tmp_path_factory.mktemp("sql")
    with duckdb.connect(str(root / "wh.duckdb")) as con:
        selects = ", ".join(f"'value-' || i || '-{n}' as {name}" for n, name in enumerate(WIDE_COLUMNS))
        con.execute(f"create table inventory as select {selects} from range(100) t(i)")
        con.execute("create table readings as select 0.0021839999999995713::double as kwh, 1234567.891 as big")
    (root / "site.yaml").write_text("warehouse: {path: wh.duckdb}\nlake: {root: lake}\n")
    return root / "site.yaml"


def sql(site: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sql", "-c", str(site), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0021839999999995713, "0.002184"),
        (1234567.891, "1234567.9"),
        (12.0, "12.0"),
        (-3.14159265, "-3.14159"),
        (1e-9, "1.00000e-09"),
        (0.0, "0.0"),
    ],
)
def test_floats_are_rounded_to_six_significant_digits(value: float, text: str) -> None:
    assert float_text(value) == text


def test_wide_result_keeps_whole_lines_and_names_the_hidden_columns(site: Path) -> None:
    code, out = sql(site, "select * from inventory order by column_number_00")
    assert code == 0, out
    lines = out.splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("(100 rows"))]
    assert max(len(line) for line in table) <= 160  # the test console's width
    header = lines[0]
    assert "column_number_00" in header and "column_number_19" not in header
    note = next(line for line in lines if "hidden to fit the terminal" in line)
    hidden = note.split(": ", 1)[1].split(" (")[0].split(", ")
    assert hidden[-1] == "column_number_19" and set(hidden).isdisjoint(header.split())
    assert not any(line.startswith("value-") and len(line.split()) == 1 for line in lines)  # no wrapped cells


def test_rows_are_limited_on_the_terminal_and_the_note_says_how_to_see_more(site: Path) -> None:
    code, out = sql(site, "select column_number_00 from inventory", "--max-rows", "5")
    assert code == 0
    assert sum(line.strip().startswith("value-") for line in out.splitlines()) == 5
    assert "(100 rows, 5 shown; --max-rows N shows more" in out
    code, out = sql(site, "select column_number_00 from inventory", "--max-rows", "0")
    assert sum(line.strip().startswith("value-") for line in out.splitlines()) == 100 and "(100 rows)" in out


def test_a_file_gets_every_row_and_column(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "inventory.txt"
    code, _ = sql(site, "select * from inventory", "--max-rows", "5", "-o", str(out))
    assert code == 0
    text = out.read_text()
    assert "column_number_19" in text and sum(line.strip().startswith("value-") for line in text.splitlines()) == 100


def test_floats_print_short_in_the_table(site: Path) -> None:
    code, out = sql(site, "select kwh, big from readings")
    assert code == 0
    assert "0.002184" in out and "0.00218399" not in out


@pytest.mark.parametrize(
    ("statement", "hint"),
    [
        ("select * from inventroy", 'Did you mean "inventory"?'),
        ("select column_number_0 from inventory", "Candidate bindings:"),
    ],
)
def test_errors_keep_duckdbs_hints_and_the_caret(site: Path, statement: str, hint: str) -> None:
    code, out = sql(site, statement)
    assert code == 2 and "Traceback" not in out
    lines = out.splitlines()
    assert all(line.startswith("error: ") for line in lines)
    assert any(hint in line for line in lines)
    excerpt = next(i for i, line in enumerate(lines) if "LINE 1:" in line)
    assert lines[excerpt + 1].strip().removeprefix("error:").strip().startswith("^")


@pytest.mark.parametrize(
    ("statement", "verb"),
    [("install httpfs", "INSTALL"), ("load spatial", "LOAD"), ("force install x", "FORCE INSTALL")],
)
def test_extensions_get_their_own_refusal(site: Path, statement: str, verb: str) -> None:
    code, out = sql(site, statement)
    assert code == 2
    assert out == (
        f"error: {verb} is not available here: the shell is read-only and does not fetch or load extensions; "
        "Parquet, JSON and CSV reading are built in\n"
    )
