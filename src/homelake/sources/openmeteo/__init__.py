"""Open-Meteo family: hourly, current and daily weather forecasts (every run kept) and the archive, no key."""

from __future__ import annotations

from typing import Any

from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.openmeteo.config import OpenMeteoFamily
from homelake.sources.openmeteo.datasets import DATASETS
from homelake.sources.openmeteo.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    from homelake.sources.openmeteo.backfill import ArchiveBackfillTarget  # noqa: PLC0415 - lazy, as below
    from homelake.sources.openmeteo.target import OpenMeteoTarget  # noqa: PLC0415 - lazy: registry loads no client

    config: OpenMeteoFamily = ctx.config
    if not _configured(config):  # no location, no weather: never a request to a public API the owner did not ask for
        return []
    timeout_s = ctx.timeout_for(config)
    targets: list[PollTarget] = [
        OpenMeteoTarget(config, local_tz=ctx.local_tz, timeout_s=timeout_s, collector=ctx.collector)
    ]
    if config.backfill_days > 0:  # the days before homelake ran, or while it was down, from the archive
        targets.append(ArchiveBackfillTarget(config, local_tz=ctx.local_tz, timeout_s=timeout_s,
                                             collector=ctx.collector, lake_root=ctx.lake_root,
                                             state_dir=ctx.state_dir))  # fmt: skip
    return targets


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.openmeteo.simulator import OpenMeteoSimulator  # noqa: PLC0415 - lazy, as above

    return OpenMeteoSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.openmeteo.simulator.history import lay_history  # noqa: PLC0415 - lazy, as above

    return lay_history(ctx)


def _configured(config: Any) -> bool:  # noqa: ANN401 - the registry hands every family its own config model
    return config.latitude is not None and config.longitude is not None


SPEC = FamilySpec(
    name="openmeteo",
    description="Open-Meteo weather: hourly/current/daily forecasts, every run kept, and the archive (no key)",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=OpenMeteoFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
)
