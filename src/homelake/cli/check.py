"""`homelake check`: validate the site file, read every secret, try every target and the broker once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from homelake.cli.common import console, load
from homelake.runtime.check import Check, check_site
from homelake.settings import Settings

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def print_checks(checks: list[Check]) -> None:
    """The report: one line per check (OK or FAIL, what, what happened), a failure's fix on the line below.
    Lines are never wrapped, so a URL or a key stays whole for a grep or a copy."""
    width = max((len(c.what) for c in checks), default=0)
    for c in checks:
        mark = "[green]OK  [/green]" if c.ok else "[bold red]FAIL[/bold red]"
        console.print(f"{mark} {escape(c.what.ljust(width))}  {escape(c.detail)}", highlight=False, soft_wrap=True)
        if not c.ok and c.fix:
            console.print(f"     {' ' * width}  fix: {escape(c.fix)}", highlight=False, soft_wrap=True)
    failed = sum(not c.ok for c in checks)
    summary = f"{len(checks)} checks, {failed} failed" if checks else "nothing configured to check"
    console.print(summary, highlight=False, markup=False)


def run_checks(settings: Settings) -> bool:
    """Run and print every check of the site; True when all passed (`check`, `demo` and `simulate` use it)."""
    checks = asyncio.run(check_site(settings))
    print_checks(checks)
    return all(c.ok for c in checks)


def check(config: ConfigOpt = None) -> None:
    """Validate the site file, read every secret, and try every device and the MQTT broker once."""
    if not run_checks(load(config)):
        raise typer.Exit(1)
