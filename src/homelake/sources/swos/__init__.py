"""swos family: the MikroTik CSS610 PoE switch (SwOS Lite `.b` endpoints over HTTP Digest) and its simulator."""

from __future__ import annotations

from homelake.logs import register_secret
from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.swos.config import SwosFamily
from homelake.sources.swos.datasets import DATASETS
from homelake.sources.swos.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One target per switch; a switch's own interval and timeout override the family's and the site's."""
    from homelake.sources.swos.target import SwosTarget  # noqa: PLC0415 - lazy: the registry loads no client/server code

    family: SwosFamily = ctx.config
    targets: list[PollTarget] = []
    for switch in family.switches:
        password = switch.password.resolve() if switch.password else None
        register_secret(password)
        community = switch.snmp.community.resolve() if switch.snmp else None
        register_secret(community)
        interval_s = ctx.interval_for(switch, family)
        timeout_s = ctx.timeout_for(switch, family)
        targets.append(SwosTarget(switch, password, interval_s=interval_s, timeout_s=timeout_s, family=ctx,
                                  community=community))  # fmt: skip
    return targets


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.swos.simulator import SwosSimulator  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return SwosSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.swos.simulator.history import lay_history  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return lay_history(ctx)


def _configured(config: SwosFamily) -> bool:
    return bool(config.switches)


SPEC = FamilySpec(
    name="swos",
    description="SwOS Lite switch (CSS610 PoE): ports, PoE per port, host table, system; SNMP port counters, FDB",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=SwosFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
)
