"""MikroTik family: RouterOS v7 REST (DHCP leases, wifi clients, interfaces, system) and its simulator."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from homelake.logs import register_secret
from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.mikrotik.config import MikrotikFamily
from homelake.sources.mikrotik.datasets import DATASETS, MIKROTIK_DHCP_LEASES
from homelake.sources.mikrotik.geoip import GeoIP
from homelake.sources.mikrotik.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One target per router; a router's own zone, interval and timeout override the family's and the site's."""
    from homelake.sources.mikrotik.target import MikrotikTarget  # noqa: PLC0415 - lazy: the registry loads no client/server code

    family: MikrotikFamily = ctx.config
    targets: list[PollTarget] = []
    geoip = GeoIP(family.geoip) if family.geoip is not None else None
    for router in family.routers:
        password = router.password.resolve() if router.password else None
        register_secret(password)
        targets.append(
            MikrotikTarget(
                router,
                password,
                local_tz=ctx.local_tz if router.timezone is None else ZoneInfo(router.timezone),
                interval_s=ctx.interval_for(router, family),
                timeout_s=ctx.timeout_for(router, family),
                collector=ctx.collector,
                geoip=geoip,
            )
        )
    return targets


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.mikrotik.simulator import MikrotikSimulator  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return MikrotikSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.mikrotik.simulator.edge_history import lay_edge_history  # noqa: PLC0415 - lazy: the registry loads no client/server code
    from homelake.sources.mikrotik.simulator.history import lay_history  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return lay_history(ctx) + lay_edge_history(ctx)


def _configured(config: MikrotikFamily) -> bool:
    return bool(config.routers)


SPEC = FamilySpec(
    name="mikrotik",
    description="RouterOS v7 REST: DHCP leases, wifi clients, interfaces, system",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=MikrotikFamily,
    configured=_configured,
    poll_targets=poll_targets,
    neighbours=MIKROTIK_DHCP_LEASES,
    history=history,
)
