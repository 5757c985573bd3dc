"""E2E: simulated site → history + live polls over real HTTP → lake → dbt build → marts == ground truth."""

from __future__ import annotations

import pytest

from homelake.lake.schemas import COLLECTOR_HEALTH
from homelake.sim.demo.pipeline import DemoRun
from tests.conftest import NetworkRun
from tests.e2e.network_truth import (
    address_changes,
    check_inventory,
    check_ip_history,
    check_presence_bracketed,
    check_wifi_hourly,
    lake,
)
from tests.pinned_time import NETWORK_AT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(network_run: NetworkRun) -> DemoRun:
    """The session's shared run (see tests/conftest.py): its history ends at the pinned NETWORK_AT."""
    assert network_run.demo.now == NETWORK_AT
    return network_run.demo


def test_live_polls_went_through_real_http_and_were_healthy(run: DemoRun) -> None:
    health = lake(run, "select source, target, ok from {0} where collector <> 'backfill'", COLLECTOR_HEALTH)
    routers = [(t, ok) for source, t, ok in health if source == "mikrotik"]
    assert {t for t, _ in routers} == {r.name for r in run.site.routers}
    assert all(ok for _, ok in routers), routers
    assert run.failed_polls == 0 and run.polls >= 4 * len(run.site.routers)
    # the Shellies were found in the DHCP leases and polled over HTTP in the same live window
    shellies = {t for source, t, ok in health if source == "shelly" and ok}
    assert len(shellies) >= 8, shellies


def test_live_polls_ran_on_the_pinned_clock(run: DemoRun, network_run: NetworkRun) -> None:
    live = lake(run, "select min(started_at), max(started_at) from {0} where collector <> 'backfill'", COLLECTOR_HEALTH)
    first, last = live[0]
    assert NETWORK_AT <= first <= last <= network_run.collected_until


def test_inventory_matches_ground_truth(run: DemoRun) -> None:
    assert len(check_inventory(run)) >= 1, "the window should contain a device missing from the metadata"


def test_ip_history_follows_every_address_change(run: DemoRun) -> None:
    assert address_changes(check_ip_history(run)), "the window should contain an address change"


def test_wifi_clients_hourly_counts_the_true_associations(run: DemoRun) -> None:
    check_wifi_hourly(run)


def test_first_and_last_seen_bracket_the_true_presence(run: DemoRun) -> None:
    check_presence_bracketed(run)
