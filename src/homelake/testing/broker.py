"""Tests start their own Mosquitto (see homelake.runtime.mqtt.mosquitto), never the shared one on 1883."""

from homelake.runtime.mqtt.mosquitto import Mosquitto, find_mosquitto, free_port

__all__ = ["Mosquitto", "find_mosquitto", "free_port"]
