"""The `homelake` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from homelake.cli import alerts, check, collect, demo, ingest, lake, parse, serve, simulate, sql, transform
from homelake.cli.common import UserError, load, print_error
from homelake.runtime.families import context
from homelake.secrets import SecretError
from homelake.settings import ConfigError
from homelake.sources import FAMILIES
from homelake.sources.base import FamilyContext, FamilySpec

_type_column = typer.core.TyperOption.display_type_rich


def _flag_type(self: typer.core.TyperOption, ctx: Any) -> Any:
    """A flag takes no value: its help row shows none, instead of Typer's `<bool>` type column."""
    return None if self.is_flag else _type_column(self, ctx)


# Typer has no setting for this; the one override keeps `--help` readable (`--serve --no-serve  Keep running...`).
typer.core.TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]


def package_version() -> str:
    try:
        return version("homelake")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


app = typer.Typer(
    name="homelake",
    help="homelake: a trustworthy, queryable history of your home or small office.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("check")(check.check)
app.command("collect")(collect.collect)
app.command("ingest")(ingest.ingest)
app.command("transform")(transform.transform)
app.command("parse")(parse.parse)
app.command("simulate")(simulate.simulate)
app.command("demo")(demo.demo)
app.command("sql")(sql.sql)
app.command("serve")(serve.serve)
app.command("alerts")(alerts.alerts)
app.add_typer(lake.app, name="lake")


def _family_context(spec: FamilySpec) -> Callable[[Path | None], FamilyContext]:
    return lambda path: context(load(path), spec)


for _spec in FAMILIES:  # a family's own commands (`homelake <family> ...`), given its section of the site file
    if _spec.commands is not None:
        app.add_typer(_spec.commands(_family_context(_spec)), name=_spec.name)


def _print_version(value: bool) -> None:
    if value:
        print(f"homelake {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """homelake: a trustworthy, queryable history of your home or small office."""


def main() -> None:
    """Entry point: user mistakes become one line on stderr and exit code 2, never a traceback."""
    try:
        app()
    except (ConfigError, SecretError, UserError) as exc:
        print_error(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
