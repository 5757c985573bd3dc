"""Tests start their own Mosquitto (see homelake.testing.mosquitto), never the shared one on 1883."""

from homelake.testing.mosquitto import Mosquitto, find_mosquitto, free_port

__all__ = ["Mosquitto", "find_mosquitto", "free_port"]
