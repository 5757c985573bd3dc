"""E2E: the demo's history of cloud vision: the backfill lays a day of the cameras (the front camera with a burst
of 3) and the vision family's analyses of their episode-start pictures -> a real dbt build -> `detections` has one
row per burst picture of an opted-in camera, the costs follow the list prices and the cap, and `/security/cloud`
shows labels and costs without a live snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.settings import parse_settings
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS, family
from homelake.sources.hikvision.config import HikvisionFamily
from homelake.sources.vision.config import VisionFamily
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly
from homelake.web.app import create_app

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # a Monday, local midnight
END = START + timedelta(hours=20)  # the day's people and cars (the night is quiet)
CAP = 2  # the NVR's provider may make this many calls a day
SELECT = "+detections +camera_vs_cloud_weekly +vision_costs_daily +rpt_cloud_costs_daily"


def test_the_demo_history_shows_cloud_labels_and_costs(tmp_path: Path) -> None:
    site = build_site(7, start=END)
    media = tmp_path / "media"
    cams = HikvisionFamily.model_validate({"media_dir": str(media), "snapshot_every_s": None, "cameras": [
        {"name": "cam-front", "url": "https://192.0.2.1", "burst_count": 3, "burst_spacing_s": 1.0},
        {"name": "cam-driveway", "url": "https://192.0.2.2"},
        {"name": "nvr", "url": "https://192.0.2.3"}]})  # fmt: skip
    vision = VisionFamily.model_validate({
        "enabled": True, "media_dir": str(media), "outbox": str(tmp_path / "unused.sqlite"), "provider": "rek",
        "providers": [{"name": "rek", "kind": "rekognition"},
                      {"name": "gcv", "kind": "google", "daily_max_calls": CAP}],
        "cameras": [{"name": "cam-front"}, {"name": "cam-driveway"}, {"name": "nvr", "provider": "gcv"}],
    })  # fmt: skip
    lake = LakeWriter(tmp_path / "lake", collector="backfill")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)
    backfill(site, writer, start=START, end=END, local_tz=TZ, families=[family("hikvision"), family("vision")],
             mqtt=False, configs={"hikvision": cams, "vision": vision})  # fmt: skip
    warehouse = tmp_path / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_INDIRECT_SELECTION", "cautious")
        build_warehouse(lake_root=tmp_path / "lake", warehouse_path=warehouse, metadata_csv=None,
                        site_timezone=str(TZ), select=SELECT)  # fmt: skip
    con = connect_readonly(warehouse)
    try:
        starts = con.execute(
            """select device_id, burst_index, sha256 from read_parquet(?, union_by_name = true)
               where trigger = 'episode_start' and target_type in ('human', 'vehicle')""",
            [str(tmp_path / "lake" / "raw" / "hikvision" / "snapshots" / "date=2026-11-0*" / "*.parquet")],
        ).fetchall()
        rows = con.execute("select sha256, camera, analysis_status, cost_usd from detections").fetchall()
        costs = {
            r[0]: r[1:]
            for r in con.execute("select provider, billed_calls, skipped_budget from vision_costs_daily").fetchall()
        }
    finally:
        con.close()
    front = [s for s in starts if s[0] == "cam-front"]
    assert front and sorted({s[1] for s in front}) == [0, 1, 2] and len(front) % 3 == 0  # bursts of 3
    assert {s[1] for s in starts if s[0] != "cam-front"} == {0}
    assert sorted(r[0] for r in rows) == sorted(s[2] for s in starts)  # one outcome per picture, no more
    nvr = sum(1 for s in starts if s[0] == "nvr")
    assert nvr > CAP
    analysed = [r for r in rows if r[2] == "analysed"]
    assert len(analysed) == len(rows) - (nvr - CAP)
    assert costs["gcv"] == (CAP, nvr - CAP) and costs["rek"] == (len(rows) - nvr, 0)
    assert sum(r[3] or 0 for r in analysed) == pytest.approx((len(rows) - nvr) * 0.001 + CAP * 0.003)
    settings = parse_settings(
        {"lake": {"root": "lake"}, "warehouse": {"path": str(warehouse)}, "site": {"timezone": str(TZ)}},
        base=tmp_path,
    )
    text = (
        TestClient(create_app(settings)).get("/security/cloud", params={"from": "2026-11-02", "to": "2026-11-02"}).text
    )
    assert f"<strong>{len(analysed)}</strong> of {len(rows)} snapshots analysed" in text
    assert 'id="cloud-costs"' in text and "person" in text
