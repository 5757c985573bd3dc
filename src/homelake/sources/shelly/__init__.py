"""Shelly family: Gen1 and Gen2+ HTTP status parsers and the MQTT message router (all pure)."""

from homelake.sources.shelly.mqtt import ShellyMqtt
from homelake.sources.shelly.parser_gen1 import parse_gen1_status
from homelake.sources.shelly.parser_gen2 import parse_gen2_status

__all__ = ["ShellyMqtt", "parse_gen1_status", "parse_gen2_status"]
