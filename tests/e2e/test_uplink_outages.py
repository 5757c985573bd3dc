"""E2E: the simulated uplink's outages -> the firewall's probes in the backfill -> lake -> dbt build ->
`uplink_outages` equals the truth (start and end within one probe interval, the cause right)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homelake.cli.transform import run_transform
from homelake.sim.demo.pipeline import DemoRun
from homelake.sim.model.uplink import Uplink
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
PROBE_INTERVAL = timedelta(minutes=5)  # the backfill's step: one probe round each
NOW = datetime(2025, 3, 12, 6, 0, tzinfo=UTC)  # pinned: the site starts 1.5 days before


def test_uplink_outages_equal_the_truth(tmp_path: Path) -> None:
    demo = DemoRun(tmp_path / "site", days=1.5, now=NOW)
    demo.start()
    try:
        demo.lay_history(step=PROBE_INTERVAL, mqtt=False)
    finally:
        demo.stop()
    run_transform(demo.settings)
    con = connect_readonly(demo.settings.warehouse.path)
    try:
        rows = con.execute(
            "select started_at, ended_at, cause from uplink_outages where device_id = 'fw' order by started_at"
        ).fetchall()
    finally:
        con.close()
    truth = Uplink(demo.site).outages
    assert len(rows) == len(truth), rows
    for (started_at, ended_at, cause), outage in zip(rows, truth, strict=True):
        assert cause == outage.cause
        assert timedelta(0) <= started_at.astimezone(UTC) - outage.start < PROBE_INTERVAL
        assert timedelta(0) <= ended_at.astimezone(UTC) - outage.end < PROBE_INTERVAL
