"""Zigbee family: Zigbee2MQTT messages (locks, sensors, availability) to zigbee/* rows (pure), and their simulator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from homelake.sources.base import FamilySpec, ParseKind
from homelake.sources.mqtt_kinds import mqtt_parse_kind
from homelake.sources.zigbee.datasets import DATASETS
from homelake.sources.zigbee.parser import ZigbeeMqtt

if TYPE_CHECKING:  # the simulated site is imported only when simulating
    from homelake.sim.model.site import Site


def mqtt_messages(site: Site, start: float, end: float, *, connect: bool = False) -> list[Any]:
    from homelake.sources.zigbee.simulator import zigbee_messages  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return zigbee_messages(site, start, end, connect=connect)


def write_sensor_rooms(path: Path) -> Path:
    from homelake.sources.zigbee.simulator import write_sensor_rooms_csv  # noqa: PLC0415 - lazy: the registry loads no client/server code

    return write_sensor_rooms_csv(path)


PARSE_KINDS: tuple[ParseKind, ...] = (
    mqtt_parse_kind("zigbee-mqtt", "zigbee", "JSON list of Zigbee2MQTT {topic, payload}", ZigbeeMqtt),
)

SPEC = FamilySpec(
    name="zigbee",
    description="Zigbee2MQTT over MQTT: door lock, climate and motion sensors, availability",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    mqtt_parser=ZigbeeMqtt,
    mqtt_topics=("zigbee2mqtt/#",),
    mqtt_messages=mqtt_messages,
    sim_seeds={"sensor_rooms.csv": write_sensor_rooms},
)

__all__ = ["SPEC", "ZigbeeMqtt"]
