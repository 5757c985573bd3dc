"""Shelly Gen1 ("block" devices): HTTP /status, MQTT shellies/<id>/..., CoIoT; parser and simulator."""
