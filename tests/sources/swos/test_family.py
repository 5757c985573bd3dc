"""The swos family end to end through the platform: the simulated site serves the switch, its site file section
validates, and the family's poll targets collect from it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.settings import parse_settings
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import build_site
from homelake.sources import family
from homelake.sources.base import FamilyContext

pytestmark = pytest.mark.integration


def test_simulate_serves_the_switch_and_collect_reads_it(tmp_path: Path) -> None:
    site = build_site()
    at = site.start + timedelta(hours=3)
    with SimulatedSite(site, families=["swos"], clock=lambda: at) as sim:
        web, snmp = sim.simulators["swos"].endpoints()
        assert web["kind"] == "SwOS Lite .b (Digest)" and snmp["kind"].startswith("SNMP")
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets",
                                 metadata_csv=tmp_path / "device_metadata.csv")  # fmt: skip
        settings = parse_settings(config, source="test", base=tmp_path)
        spec = family("swos")
        section = settings.family_config("swos")
        assert spec.configured(section) and [s.name for s in section.switches] == ["css610"]
        ctx = FamilyContext(config=section, local_tz=ZoneInfo("Europe/Berlin"), interval_s=30, timeout_s=3,
                            collector="test")  # fmt: skip
        assert spec.poll_targets is not None
        [target] = spec.poll_targets(ctx)

        async def poll() -> Any:
            try:
                return await target.poll()
            finally:
                await target.aclose()

        outcome = asyncio.run(poll())
    assert outcome.errors == [] and outcome.row_count > 20
    assert {r.dataset for r in outcome.results} == {"swos/poe", "swos/links", "swos/hosts", "swos/system",
                                                    "swos/if_counters", "swos/fdb"}  # fmt: skip
    [counters] = [r for r in outcome.results if r.dataset == "swos/if_counters"]
    assert len(counters.rows) == 10 and {r["counter_bits"] for r in counters.rows} == {32}
