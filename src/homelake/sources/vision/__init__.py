"""Vision family: motion-triggered snapshots analysed by a cloud vision service through a durable outbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from homelake.sources.base import (
    FamilyContext,
    FamilySimulator,
    FamilySpec,
    HistoryContext,
    PollTarget,
    SimContext,
)
from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.datasets import DATASETS
from homelake.sources.vision.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One worker target when vision is enabled and a camera is opted in (nothing otherwise)."""
    from homelake.sources.vision.providers.factory import build_provider  # noqa: PLC0415 - clients when collecting
    from homelake.sources.vision.target import VisionTarget  # noqa: PLC0415

    family: VisionFamily = ctx.config
    if not _configured(family):
        return []
    providers = {p.name: build_provider(p) for p in family.providers}
    return [
        VisionTarget(
            family,
            providers,
            local_tz=ctx.local_tz,
            interval_s=ctx.interval_for(family),
            timeout_s=ctx.timeout_for(family),
            collector=ctx.collector,
            lake_root=ctx.lake_root,
            capture=ctx.capture,
        )
    ]


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.vision.simulator import VisionSimulator  # noqa: PLC0415 - Pillow only when simulating

    return VisionSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    """The demo's past days: the camera family's episode-start pictures already in the lake, analysed by the
    configured providers' simulated answers (through the real parsers, outbox, budget and worker)."""
    from homelake.sources.vision.simulator.history import lay_history  # noqa: PLC0415 - Pillow only when simulating

    return lay_history(ctx)


def commands(load: Callable[[Path | None], FamilyContext]) -> Any:  # noqa: ANN401 - a Typer app
    from homelake.sources.vision.commands import build  # noqa: PLC0415 - typer only for the CLI

    return build(load)


def _configured(config: Any) -> bool:  # noqa: ANN401 - the registry passes each family's own model
    return bool(config.enabled and config.cameras and config.providers)


SPEC = FamilySpec(
    name="vision",
    description="Cloud vision: snapshots of opted-in cameras analysed by Rekognition, Cloud Vision or an "
    "OpenAI-compatible model through a durable outbox (off by default)",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=VisionFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
    commands=commands,
)
