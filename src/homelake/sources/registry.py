"""The explicit registry of source families: how each one turns the site file into poll targets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from homelake.logs import register_secret
from homelake.runtime.target import PollTarget
from homelake.settings import Settings

Discover = Callable[[], Awaitable[Sequence[PollTarget]]]


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
class Discovery:
    """Targets found at run time: `discover()` returns every target to poll now, asked every `refresh_s`."""

    family: str
    discover: Discover
    refresh_s: float


def _shelly_discovers(settings: Settings) -> bool:
    """Discovery reads the DHCP leases the MikroTik pollers land; without routers it would never find any."""
    return settings.shelly.discovery.enabled and bool(settings.mikrotik.routers)


def _shelly_targets(settings: Settings, collector: str) -> list[PollTarget]:
    from homelake.sources.shelly.discovery import ShellyDiscovery

    if _shelly_discovers(settings):
        return []  # the discovery loop polls the static devices too, so each device has one poller
    return list(ShellyDiscovery(settings, settings.lake.root, collector=collector).static_targets())


def _shelly_discovery(settings: Settings, collector: str) -> Discovery | None:
    from homelake.sources.shelly.discovery import ShellyDiscovery

    if not _shelly_discovers(settings):
        return None
    finder = ShellyDiscovery(settings, settings.lake.root, collector=collector)
    return Discovery("shelly", finder, settings.shelly.discovery.refresh_s)


@dataclass(frozen=True)
class SourceSpec:
    family: str
    description: str
    build_targets: Callable[[Settings, str], list[PollTarget]]
    discover: Callable[[Settings, str], Discovery | None] | None = None  # None: static targets only


SOURCES: dict[str, SourceSpec] = {
    "mikrotik": SourceSpec(
        "mikrotik", "RouterOS v7 REST: DHCP leases, wifi clients, interfaces, system", _mikrotik_targets
    ),
    "shelly": SourceSpec(
        "shelly",
        "Shelly Gen1/Gen2+ HTTP status: switches, meters, sensors; devices found in DHCP leases",
        _shelly_targets,
        _shelly_discovery,
    ),
}


def _chosen(families: list[str] | None) -> list[str]:
    unknown = sorted(set(families or []) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return families or list(SOURCES)


def build_targets(
    settings: Settings, families: list[str] | None = None, collector: str = "homelake"
) -> list[PollTarget]:
    """Every configured target of the chosen families (all when None). Resolves secrets now."""
    return [t for name in _chosen(families) for t in SOURCES[name].build_targets(settings, collector)]


def build_discoveries(
    settings: Settings, families: list[str] | None = None, collector: str = "homelake"
) -> list[Discovery]:
    """The run-time discoveries of the chosen families that are enabled. Resolves secrets now."""
    hooks = [SOURCES[name].discover for name in _chosen(families)]
    found = [hook(settings, collector) for hook in hooks if hook is not None]
    return [discovery for discovery in found if discovery is not None]
