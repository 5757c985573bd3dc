"""Tests of the simulated site and its device simulators."""
