"""Tests of the Shelly family."""
