"""Tests of the Zigbee family."""
