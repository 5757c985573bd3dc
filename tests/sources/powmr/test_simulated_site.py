"""Both families as `homelake simulate` and the demo run them: the simulated site's config validates against the
site-file models, and one poll of every planned target gets rows (the registry's own poll_targets)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.settings import Settings
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import build_site
from homelake.sources import family
from homelake.sources.base import FamilyContext

pytestmark = pytest.mark.integration


def test_simulated_site_config_and_one_poll_each(tmp_path: Path) -> None:
    site = build_site()
    at = site.start + timedelta(hours=36)
    with SimulatedSite(site, families=["powmr", "openmeteo"], clock=lambda: at, tick_s=None) as sim:
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets")
        settings = Settings.model_validate(config)
        kinds = {e["kind"] for f in ("powmr", "openmeteo") for e in sim.simulators[f].endpoints()}
        assert (
            any("8851" in k for k in kinds)
            and any("Modbus RTU" in k for k in kinds)
            and any("Open-Meteo" in k for k in kinds)
        )

        async def poll_all() -> dict[str, int]:
            rows: dict[str, int] = {}
            for name in ("powmr", "openmeteo"):
                spec = family(name)
                assert spec.poll_targets is not None and spec.configured(settings.family_config(name))
                ctx = FamilyContext(config=settings.family_config(name), local_tz=ZoneInfo(site.timezone),
                                    interval_s=10, timeout_s=5, collector="test")  # fmt: skip
                for target in spec.poll_targets(ctx):
                    outcome = await target.poll()
                    await target.aclose()
                    assert outcome.errors == [], outcome.errors
                    rows[name] = rows.get(name, 0) + outcome.row_count
            return rows

        rows = asyncio.run(poll_all())
    assert rows["powmr"] == 1 and rows["openmeteo"] > 24
