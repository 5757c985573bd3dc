"""Shared CLI plumbing: loading the site file once and turning user errors into one clear line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from homelake.logs import setup_logging
from homelake.settings import Settings, load_settings

# emoji off: MACs like 98:cd:ac must never turn into a picture of a CD. Wide when piped, so tables stay whole.
console = Console(stderr=False, emoji=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, emoji=False)


class UserError(Exception):
    """Anything a user can fix; printed as one line, exit code 2, no traceback."""


def config_path(path: Path | None) -> Path:
    return path or Path(os.environ.get("HOMELAKE_CONFIG", "site.yaml"))


def load(path: Path | None) -> Settings:
    settings = load_settings(config_path(path))
    setup_logging(settings.logging.level, settings.logging.format)
    return settings


def print_error(message: str) -> None:
    """One line per message line on stderr, never wrapped (so logs and greps keep it whole)."""
    prefix = "\033[1;31merror:\033[0m " if sys.stderr.isatty() else "error: "
    for line in message.splitlines() or [""]:
        sys.stderr.write(prefix + line + "\n")
    sys.stderr.flush()


def fail(message: str, code: int = 2) -> None:
    print_error(message)
    raise typer.Exit(code)


def is_tty() -> bool:
    return sys.stdout.isatty()
