"""Zigbee family: Zigbee2MQTT messages (locks, sensors, availability) to zigbee/* rows (pure)."""

from homelake.sources.zigbee.parser import ZigbeeMqtt

__all__ = ["ZigbeeMqtt"]
