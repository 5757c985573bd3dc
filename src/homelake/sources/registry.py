"""The explicit registry of source families: how each one turns the site file into poll targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homelake.logs import register_secret
from homelake.runtime.target import PollTarget
from homelake.settings import Settings


def _mikrotik_targets(settings: Settings, collector: str) -> list[PollTarget]:
    from homelake.sources.mikrotik.target import MikrotikTarget

    family = settings.mikrotik
    targets: list[PollTarget] = []
    for router in family.routers:
        password = router.password.resolve() if router.password else None
        register_secret(password)
        targets.append(
            MikrotikTarget(
                router,
                password,
                local_tz=settings.tz if router.timezone is None else _zone(router.timezone),
                interval_s=router.interval_s or family.interval_s or settings.collect.interval_s,
                timeout_s=router.timeout_s or family.timeout_s or settings.collect.timeout_s,
                collector=collector,
            )
        )
    return targets


def _zone(name: str):  # noqa: ANN202 - tiny local helper
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@dataclass(frozen=True)
class SourceSpec:
    family: str
    description: str
    build_targets: Callable[[Settings, str], list[PollTarget]]


SOURCES: dict[str, SourceSpec] = {
    "mikrotik": SourceSpec(
        "mikrotik", "RouterOS v7 REST: DHCP leases, wifi clients, interfaces, system", _mikrotik_targets
    ),
}


def build_targets(
    settings: Settings, families: list[str] | None = None, collector: str = "homelake"
) -> list[PollTarget]:
    """Every configured target of the chosen families (all when None). Resolves secrets now."""
    unknown = sorted(set(families or []) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    chosen = families or list(SOURCES)
    return [t for name in chosen for t in SOURCES[name].build_targets(settings, collector)]
