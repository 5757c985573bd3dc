"""A small real warehouse for the dashboard tests: one simulated day through parsers, lake and dbt."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from homelake.settings import Settings, parse_settings
from homelake.sim.demo.pipeline import DemoRun
from homelake.web.app import create_app
from homelake.web.config import DashboardConfig

with warnings.catch_warnings():
    # starlette's TestClient warns about its httpx dependency on import; not ours to fix
    warnings.filterwarnings("ignore", message=".*httpx.*")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """Built once per test session (the slow part: ~20 s); tests only read it."""
    from homelake.cli.transform import run_transform

    # a little over a day, so the history always spans two site-local days (even when built just after
    # local midnight) and a one-day range always narrows the charts
    run = DemoRun(tmp_path_factory.mktemp("web") / "site", days=1.25)
    run.start()
    try:
        run.lay_history()
    finally:
        run.stop()
    run_transform(run.settings)
    return run


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
