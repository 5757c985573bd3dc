"""Fixtures shared across test packages: the one simulated network run the e2e, dashboard and SQL tests read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from homelake.sim.demo.pipeline import DemoRun
from tests.pinned_time import NETWORK_AT, clock_from

LIVE_S = 12  # seconds of live polling over real HTTP and MQTT (every 2 s) after the history


@dataclass(frozen=True)
class NetworkRun:
    """A demo run that ended at a pinned time: history, live collection, then the dbt build."""

    demo: DemoRun
    collected_until: datetime  # the pinned clock when live collection stopped


@pytest.fixture(scope="session")
def network_run(tmp_path_factory: pytest.TempPathFactory) -> NetworkRun:
    """Built once per session (the slow part), then only read: 1.5 days of history ending at NETWORK_AT,
    LIVE_S seconds of live collection on a clock that went on from there, and the warehouse."""
    from homelake.cli.transform import run_transform

    demo = DemoRun(tmp_path_factory.mktemp("network") / "site", days=1.5, interval_s=2.0, now=NETWORK_AT)
    with clock_from(NETWORK_AT):
        demo.start()
        try:
            demo.lay_history()
            demo.collect_live(LIVE_S)
        finally:
            demo.stop()
        collected_until = datetime.now(UTC)
    run_transform(demo.settings)
    return NetworkRun(demo, collected_until)
