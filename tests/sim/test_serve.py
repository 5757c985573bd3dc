"""SimulatedSite: one live router simulator per router and a site config that points at them."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import build_site
from homelake.sources.mikrotik.config import MikrotikRouter


@pytest.mark.integration
def test_endpoints_and_site_config(tmp_path: Path) -> None:
    site = build_site()
    at = site.start + timedelta(hours=40)
    with SimulatedSite(
        site, families=["mikrotik"], options={"mikrotik": {"passwords": {"fw": "given"}}}, clock=lambda: at
    ) as sim:
        endpoints = {e["name"]: e for e in sim.simulators["mikrotik"].routers()}  # type: ignore[attr-defined]
        assert set(endpoints) == {"fw", "sw", "ap-living", "ap-office"}
        assert endpoints["fw"]["password"] == "given" and endpoints["sw"]["password"]
        assert len({e["url"] for e in endpoints.values()}) == 4
        for endpoint in endpoints.values():
            reply = httpx.get(f"{endpoint['url']}/rest/system/identity",
                              auth=(endpoint["username"], endpoint["password"]))  # fmt: skip
            assert reply.json() == {"name": endpoint["name"]}

        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets",
                                 metadata_csv=tmp_path / "device_metadata.csv")  # fmt: skip
        assert config["site"]["timezone"] == "Europe/Berlin" and config["lake"]["root"] == str(tmp_path / "lake")
        assert Path(config["metadata_csv"]).read_text().startswith("mac,name,owner,room,location")
        routers = config["mikrotik"]["routers"]
        assert [r["name"] for r in routers] == ["fw", "sw", "ap-living", "ap-office"]
        for entry in routers:
            secret = Path(entry["password"]["file"])
            assert secret.read_text() == endpoints[entry["name"]]["password"]
            assert stat.S_IMODE(secret.stat().st_mode) == 0o600
            MikrotikRouter.model_validate(entry)  # the family's own config model accepts it
    with pytest.raises(httpx.ConnectError):
        httpx.get(endpoints["fw"]["url"] + "/rest/system/identity", timeout=2)
