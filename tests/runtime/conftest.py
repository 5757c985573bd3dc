"""Broker fixtures of the MQTT interop tests: `broker` is a private Mosquitto, then a private aedes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.mqtt_support import BROKERS, UNSUPPORTED, TestBroker


@pytest.fixture(params=sorted(BROKERS))
def broker_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def broker(broker_name: str, tmp_path: Path) -> Iterator[TestBroker]:
    with BROKERS[broker_name](tmp_path / "broker") as b:
        yield b


@pytest.fixture
def protocol(request: pytest.FixtureRequest, broker_name: str) -> str:
    """The MQTT version under test: parametrized by the test, or else the broker's best one."""
    version = str(getattr(request, "param", BROKERS[broker_name].protocols[0]))
    reason = UNSUPPORTED.get((broker_name, version))
    if reason is not None:
        pytest.skip(reason)
    return version
