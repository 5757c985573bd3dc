"""Journald family: follows systemd-journal-gatewayd on each k3s node from a durable cursor, and its simulator."""

from __future__ import annotations

from typing import Any

from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.journald.config import JournaldFamily
from homelake.sources.journald.datasets import DATASETS
from homelake.sources.journald.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One follower per node; its cursor lives in `cursor_dir` (default: the collector's state folder)."""
    from homelake.sources.journald.cursor import CursorStore  # noqa: PLC0415  # loaded on use, not with the registry
    from homelake.sources.journald.target import JournaldTarget  # noqa: PLC0415

    family: JournaldFamily = ctx.config
    folder = family.cursor_dir or (ctx.state_dir / "journald" if ctx.state_dir else None)
    return [
        JournaldTarget(
            node, family.entry_filter(node), CursorStore(folder / f"{node.name}.cursor" if folder else None),
            local_tz=ctx.local_tz, collector=ctx.collector, quiet_s=family.quiet_s, max_entries=family.max_entries,
            interval_s=ctx.interval_for(node, family),
            timeout_s=ctx.timeout_for(node, family),
        )
        for node in family.nodes
    ]  # fmt: skip


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.journald.simulator import JournaldSimulator  # noqa: PLC0415  # loaded on use, not with the registry

    return JournaldSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.journald.simulator.history import lay_history  # noqa: PLC0415  # loaded on use, not with the registry

    return lay_history(ctx)


def _configured(config: Any) -> bool:  # noqa: ANN401  # the registry hands every family's config as Any
    return bool(config.nodes)


SPEC = FamilySpec(
    name="journald",
    description="systemd journals of the k3s nodes, followed from systemd-journal-gatewayd",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=JournaldFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
)
