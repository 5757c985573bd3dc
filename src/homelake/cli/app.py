"""The `homelake` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from homelake.cli import collect, demo, ingest, lake, parse, serve, simulate, sql, transform
from homelake.cli.common import UserError, print_error
from homelake.secrets import SecretError
from homelake.settings import ConfigError

app = typer.Typer(
    name="homelake",
    help="homelake: a trustworthy, queryable history of your home or small office.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("collect")(collect.collect)
app.command("ingest")(ingest.ingest)
app.command("transform")(transform.transform)
app.command("parse")(parse.parse)
app.command("simulate")(simulate.simulate)
app.command("demo")(demo.demo)
app.command("sql")(sql.sql)
app.command("serve")(serve.serve)
app.add_typer(lake.app, name="lake")


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
