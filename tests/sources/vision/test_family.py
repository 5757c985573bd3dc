"""The family as the demo and `homelake simulate` run it: the simulated site's `vision:` section is on against the
simulated cloud, and the poll target built from the site file analyses a new snapshot in the media root."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from homelake.runtime.families import build_targets
from homelake.settings import load_settings
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import Site
from tests.sources.vision.conftest import DAY, FakeClock, land_snapshot

pytestmark = pytest.mark.integration


def test_the_simulated_site_turns_vision_on_against_its_simulator(
    tmp_path: Path, vision_site: Site, a_person: bytes
) -> None:
    clock = FakeClock(DAY)
    with SimulatedSite(vision_site, families=["vision"], clock=clock, tick_s=None) as sim:
        config = sim.site_config(tmp_path / "lake", tmp_path / "w.duckdb", tmp_path / "secrets")
        assert config["vision"]["enabled"] is True
        site_file = tmp_path / "site.yaml"
        site_file.write_text(yaml.safe_dump(config))
        settings = load_settings(site_file)
        (target,) = build_targets(settings, ["vision"])
        land_snapshot(tmp_path, "cam-front", a_person, DAY)  # the lake and media root the site file names
        target.clock = target.worker.clock = target.worker.rate.clock = clock  # type: ignore[attr-defined]
        target.started_at = DAY  # type: ignore[attr-defined]
        try:
            outcome = asyncio.run(target.poll())
        finally:
            asyncio.run(target.aclose())
        rows = {r.dataset: r.rows for r in outcome.results}
        assert [r["status"] for r in rows["vision/requests"]] == ["ok"]
        assert "person" in {r["label"] for r in rows["vision/detections"]}
        assert (tmp_path / "var" / "vision-outbox.sqlite").exists()  # relative to the site file
        assert sum(sim.simulators["vision"].server.tally.answered.values()) == 1  # type: ignore[attr-defined]
