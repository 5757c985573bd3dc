"""Shelly family: Gen1 and Gen2+ devices over HTTP, WebSocket and MQTT; found in the LAN's DHCP leases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homelake.sources.base import (
    Discovery,
    FamilyContext,
    FamilySimulator,
    FamilySpec,
    HistoryContext,
    PollTarget,
    SimContext,
)
from homelake.sources.shelly.config import ShellyFamily
from homelake.sources.shelly.datasets import DATASETS
from homelake.sources.shelly.gen1.parser import parse_gen1_status
from homelake.sources.shelly.gen2.parser import parse_gen2_status
from homelake.sources.shelly.mqtt import ShellyMqtt
from homelake.sources.shelly.parse_kinds import PARSE_KINDS

if TYPE_CHECKING:  # the simulated site is imported only when simulating
    from homelake.sim.model.site import Site


def _discovers(ctx: FamilyContext) -> bool:
    """Discovery reads the LAN's neighbour table (DHCP leases); without one it would never find anything."""
    config: ShellyFamily = ctx.config
    return config.discovery.enabled and ctx.neighbours_known


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """The static devices, unless discovery runs: it polls them too, so each device has one poller."""
    from homelake.sources.shelly.discovery import ShellyDiscovery  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return [] if _discovers(ctx) else list(ShellyDiscovery(ctx).static_targets())


def discovery(ctx: FamilyContext) -> Discovery | None:
    from homelake.sources.shelly.discovery import ShellyDiscovery  # noqa: PLC0415 - lazy: the registry loads no client/server code

    if not _discovers(ctx):
        return None
    config: ShellyFamily = ctx.config
    return Discovery("shelly", ShellyDiscovery(ctx), config.discovery.refresh_s)


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.shelly.simulator import ShellySimulator  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return ShellySimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.shelly.simulator.history import lay_history  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return lay_history(ctx)


def mqtt_messages(site: Site, start: float, end: float, *, connect: bool = False) -> list[Any]:
    from homelake.sources.shelly.simulator.mqtt import shelly_messages  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return shelly_messages(site, start, end, connect=connect)


def _configured(config: ShellyFamily) -> bool:
    return bool(config.devices)


SPEC = FamilySpec(
    name="shelly",
    description="Shelly Gen1/Gen2+ HTTP status and MQTT: switches, meters, sensors; devices found in DHCP leases",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=ShellyFamily,
    configured=_configured,
    poll_targets=poll_targets,
    discovery=discovery,
    mqtt_parser=ShellyMqtt,
    mqtt_topics=("shellies/#", "+/events/rpc", "+/online", "+/status/+"),
    history=history,
    mqtt_messages=mqtt_messages,
)

__all__ = ["SPEC", "ShellyMqtt", "parse_gen1_status", "parse_gen2_status"]
