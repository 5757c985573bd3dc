"""The dashboard tests read the session's shared network run (history, live polls, dbt) at its pinned time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient  # its httpx warning is allowed in pyproject.toml

from homelake.settings import Settings, parse_settings
from homelake.sim.demo.pipeline import DemoRun
from homelake.web.app import create_app
from homelake.web.config import DashboardConfig
from tests.conftest import NetworkRun
from tests.pinned_time import clock_from


@pytest.fixture(scope="session")
def demo_run(network_run: NetworkRun) -> DemoRun:
    """The session's shared network run (tests/conftest.py), built once; tests only read it. Its 1.5 days
    span two site-local days, so a one-day range always narrows the charts."""
    return network_run.demo


@pytest.fixture(autouse=True)
def _at_the_end_of_the_run(request: pytest.FixtureRequest) -> Iterator[None]:
    """The dashboard reads the wall clock (default ranges, "ago"): tests of the shared run see it as it
    stood when the run's collection stopped, ticking from there."""
    if not {"demo_run", "demo_settings"} & set(request.fixturenames):
        yield
        return
    network_run: NetworkRun = request.getfixturevalue("network_run")
    with clock_from(network_run.collected_until):
        yield


@pytest.fixture(scope="session")
def demo_settings(demo_run: DemoRun) -> Settings:
    return demo_run.settings


@pytest.fixture
def empty_settings(tmp_path: Path) -> Settings:
    """A site whose lake and warehouse do not exist yet."""
    return parse_settings(
        {"lake": {"root": "lake"}, "warehouse": {"path": "warehouse/homelake.duckdb"}, "site": {"timezone": "UTC"}},
        base=tmp_path,
    )


def client_for(settings: Settings, config: DashboardConfig | None = None) -> TestClient:
    return TestClient(create_app(settings, config))
