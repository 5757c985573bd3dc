"""`homelake vision test IMAGE`: send one picture to a configured provider and print what it saw and the cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from homelake.sources.base import FamilyContext
from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.providers.base import ParseFailure, ProviderError


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def build(load: Callable[[Path | None], FamilyContext]) -> typer.Typer:
    """The family's command group; `load(site_file)` gives its validated section."""
    app = typer.Typer(help="Cloud vision of camera snapshots.", no_args_is_help=True)

    @app.command("test")
    def test(
        image: Annotated[Path, typer.Argument(help="A JPEG (or PNG) to send.", exists=True, dir_okay=False)],
        provider: Annotated[
            str | None, typer.Option("--provider", "-p", help="Provider name (default: vision.provider).")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
        ] = None,
    ) -> None:
        """Send IMAGE once to a configured provider (even while vision is off: you asked) and print the
        canonical detections, the latency and the estimated cost: a check of credentials and prompts."""
        run_test(load(config).config, image, provider)

    return app


def run_test(family: VisionFamily, image: Path, provider_name: str | None) -> None:
    from homelake.sources.vision.providers.factory import build_provider  # noqa: PLC0415 - clients when used

    wanted = provider_name or family.provider or (family.providers[0].name if family.providers else None)
    chosen = next((p for p in family.providers if p.name == wanted), None)
    if chosen is None:
        names = ", ".join(p.name for p in family.providers) or "none"
        _fail(f"no vision provider named {wanted!r} in the site file (configured: {names})")
        return
    provider = build_provider(chosen)
    began = time.monotonic()
    try:
        analysis = provider.analyse(image.read_bytes())
    except ParseFailure as exc:
        _fail(f"{chosen.name}: the answer was not the JSON asked for ({exc}); it said: {exc.text[:500]}")
        return
    except ProviderError as exc:
        _fail(f"{chosen.name} ({chosen.kind}): {exc}")
        return
    finally:
        provider.close()
    latency_ms = (time.monotonic() - began) * 1000
    typer.echo(f"{chosen.name} ({chosen.kind}, {analysis.model}): {len(analysis.detections)} detections")
    typer.echo(f"{'label':<11}{'provider label':<24}{'confidence':>10}  bbox (left, top, width, height)")
    for d in analysis.detections:
        box = "-" if d.bbox is None else f"{d.bbox.left:.3f}, {d.bbox.top:.3f}, {d.bbox.width:.3f}, {d.bbox.height:.3f}"
        typer.echo(f"{d.label:<11}{d.provider_label[:23]:<24}{d.confidence:>10.3f}  {box}")
    typer.echo(f"latency {latency_ms:.0f} ms, estimated cost ${analysis.cost_usd:.4f}")
