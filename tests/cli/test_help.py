"""`homelake --version` and `--help` as a user reads them: the version, and flags without a type column."""

from __future__ import annotations

import re
from importlib.metadata import version

from typer.testing import CliRunner

from homelake.cli.app import app

runner = CliRunner()


def test_version_prints_the_installed_version() -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"homelake {version('homelake')}"


def test_help_shows_flags_without_bool_noise_and_value_options_with_their_type() -> None:
    result = runner.invoke(app, ["demo", "--help"], env={"COLUMNS": "120"}, terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    serve = next(line for line in result.output.splitlines() if "--no-serve" in line)
    assert re.search(r"--no-serve\s+Keep running", serve), serve
    assert "<float>" in result.output  # options that take a value still say what kind


def test_no_arguments_still_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "Usage" in result.output and "collect" in result.output
