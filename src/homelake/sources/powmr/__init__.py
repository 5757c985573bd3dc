"""PowMR family: hybrid inverters over 8851 frames or Modbus (HVM H/M, SRNE), and the site's simulated inverter."""

from __future__ import annotations

from typing import Any

from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.powmr.config import PowmrFamily
from homelake.sources.powmr.datasets import DATASETS
from homelake.sources.powmr.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One target per inverter; an inverter's own interval and timeout override the family's and the site's."""
    from homelake.sources.powmr.target import PowmrTarget  # noqa: PLC0415 - lazy: the registry loads no client/server code

    family: PowmrFamily = ctx.config
    return [
        PowmrTarget(
            inverter, local_tz=ctx.local_tz, interval_s=inverter.interval_s or family.interval_s,
            timeout_s=ctx.timeout_for(inverter, family), max_gap_s=family.max_gap_s,
            collector=ctx.collector,
        )
        for inverter in family.inverters
    ]  # fmt: skip


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.powmr.simulator import PowmrSimulator  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return PowmrSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.powmr.simulator.history import lay_history  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return lay_history(ctx)


def _configured(config: Any) -> bool:  # noqa: ANN401 - the registry hands every family its own config model
    return bool(config.inverters)


SPEC = FamilySpec(
    name="powmr",
    description="PowMR hybrid inverters: 8851 frames or Modbus maps over a TCP bridge or serial; PV, battery, load",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=PowmrFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
)
