"""The systemd units under deploy/systemd/ run commands and options that exist: each ExecStart is parsed and
looked up in the real Typer app, each timer starts a unit that is there, and the README names every unit."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
import typer.core
import typer.main

from homelake.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign] - systemd keys are case-sensitive
    parser.read(path)
    return parser


def test_the_four_services_and_the_timer_are_there() -> None:
    names = {p.name for p in UNITS.iterdir()}
    for command in ("collect", "ingest", "transform", "serve"):
        assert f"homelake-{command}.service" in names
    assert "homelake-transform.timer" in names


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_execstart_is_a_real_command_with_real_options(path: Path) -> None:
    argv = shlex.split(unit(path)["Service"]["ExecStart"])
    assert Path(argv[0]).name == "homelake"
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands.get(argv[1])
    assert command is not None, f"{path.name}: no command {argv[1]!r}"
    assert path.name == f"homelake-{argv[1]}.service"
    # every option (and its value) parses as the real command would parse it
    context = command.make_context(argv[1], argv[2:], resilient_parsing=False)
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    given = [arg for arg in argv[2:] if arg.startswith("-")]
    assert given and all(arg.split("=")[0] in options for arg in given)
    assert context.params["config"] == Path("/etc/homelake/site.yaml")


def test_the_timer_starts_the_transform_service() -> None:
    timer = unit(UNITS / "homelake-transform.timer")
    assert (UNITS / timer["Timer"]["Unit"]).is_file()
    assert unit(UNITS / timer["Timer"]["Unit"])["Service"]["Type"] == "oneshot"


def test_readme_names_every_unit() -> None:
    readme = (ROOT / "README.md").read_text()
    for path in UNITS.iterdir():
        assert path.name in readme, path.name
