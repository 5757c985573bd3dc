"""`homelake parse KIND FILE`: print the lake rows a saved payload produces, as JSON lines."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import typer

from homelake.cli.common import UserError, console
from homelake.sources import PARSE_KIND_ALIASES
from homelake.sources import PARSE_KINDS as KINDS
from homelake.sources.base import UNNAMED_DEVICE, ParseContext, PayloadError


def _when(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--observed-at {value!r} is not an ISO 8601 time like 2026-11-29T10:00:00Z") from None
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


def parse(
    kind: Annotated[str | None, typer.Argument(help="Payload kind; see --list.")] = None,
    file: Annotated[Path | None, typer.Argument(help="Saved payload ('-' for stdin).")] = None,
    list_kinds: Annotated[bool, typer.Option("--list", help="List the payload kinds.")] = False,
    observed_at: Annotated[str | None, typer.Option(help="UTC time the payload was fetched (default: now).")] = None,
    tz: Annotated[str, typer.Option(help="Device wall-clock zone for times sent without one.")] = "UTC",
    device: Annotated[str, typer.Option(help="Device id to stamp on the rows.")] = UNNAMED_DEVICE,
) -> None:
    """Show, as JSON lines, exactly what the lake would store for a saved device payload."""
    if list_kinds or kind is None:
        for k in KINDS.values():
            also = f" (also: {', '.join(k.aliases)})" if k.aliases else ""
            console.print(f"{k.name:24} {k.description}{also}", highlight=False)
        return
    kind = PARSE_KIND_ALIASES[kind].name if kind in PARSE_KIND_ALIASES else kind
    if kind not in KINDS:
        raise UserError(f"unknown kind {kind!r}; run 'homelake parse --list'")
    if file is None:
        raise UserError("give the payload file to parse (or '-' for stdin)")
    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror}") from None
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {tz!r}") from None
    when = _when(observed_at)
    spec = KINDS[kind]
    ctx = ParseContext(
        family=spec.family,
        device_id=device,
        collector="cli",
        observed_at=when,
        received_at=when,
        local_tz=zone,
    )
    try:
        results = spec.run(raw, ctx)
    except PayloadError as exc:
        raise UserError(f"{file}: {exc}") from None
    out = sys.stdout.buffer
    for result in results:
        for row in result.rows:
            shown = spec.view(row) if spec.view is not None else row
            out.write(
                orjson.dumps({"dataset": result.dataset, **shown}, option=orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE)
            )
        for reject in result.rejects:
            print(f"rejected ({result.dataset}): {reject.reason}", file=sys.stderr)
    out.flush()
