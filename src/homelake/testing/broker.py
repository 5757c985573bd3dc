"""Tests start their own brokers on free loopback ports (Mosquitto, and aedes as a second, independent
implementation), never the shared one on 1883."""

from homelake.testing.aedes import Aedes, aedes_missing
from homelake.testing.mosquitto import Mosquitto, find_mosquitto, free_port

__all__ = ["Aedes", "Mosquitto", "aedes_missing", "find_mosquitto", "free_port"]
