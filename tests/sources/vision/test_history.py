"""Vision history for the demo: the backfill lays the cameras' pictures, then the vision family analyses the
episode-start ones of opted-in cameras and classes once each, within the daily cap, through the real parsers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.site import Site
from homelake.sources import DATASETS, family
from homelake.sources.hikvision.config import HikvisionFamily
from homelake.sources.vision.config import VisionFamily
from tests.sources.vision.conftest import DAY, truth

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Europe/Berlin")
START, END = DAY + timedelta(hours=6), DAY + timedelta(hours=12)
CAP = 1  # the driveway's provider may make this many calls a day


def _rows(lake: Path, dataset: str) -> list[dict[str, object]]:
    files = sorted(str(p) for p in (lake / "raw" / "vision" / dataset).glob("date=2026-12-*/*.parquet"))
    with duckdb.connect() as con:
        cursor = con.execute("select * from read_parquet(?, union_by_name = true)", [files])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_history_analyses_the_laid_episode_starts_once_within_the_cap(vision_site: Site, tmp_path: Path) -> None:
    media = tmp_path / "media"
    cams = HikvisionFamily.model_validate({"media_dir": str(media), "snapshot_every_s": None, "cameras": [
        {"name": n, "url": "https://192.0.2.1"} for n in ("cam-front", "cam-driveway", "nvr")]})  # fmt: skip
    vision = VisionFamily.model_validate({
        "enabled": True, "media_dir": str(media), "outbox": str(tmp_path / "unused.sqlite"), "provider": "rek",
        "providers": [{"name": "rek", "kind": "rekognition", "endpoint_url": "http://127.0.0.1:9"},
                      {"name": "gcv", "kind": "google", "endpoint_url": "http://127.0.0.1:9", "daily_max_calls": CAP}],
        "cameras": [{"name": "cam-front"}, {"name": "cam-driveway", "provider": "gcv"}],
    })  # fmt: skip
    lake = LakeWriter(tmp_path / "lake", collector="backfill")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=50_000, max_age_s=3600)
    backfill(vision_site, writer, start=START, end=END, local_tz=TZ, families=[family("hikvision"), family("vision")],
             mqtt=False, configs={"hikvision": cams, "vision": vision})  # fmt: skip
    snaps = _rows_of(tmp_path / "lake")
    wanted = {r["sha256"]: r for r in snaps if r["device_id"] != "nvr" and r["target_type"] in ("human", "vehicle")}
    requests = _rows(tmp_path / "lake", "requests")
    by_status: dict[tuple[str, str], int] = {}
    for r in requests:
        by_status[(str(r["provider"]), str(r["status"]))] = by_status.get((str(r["provider"]), str(r["status"])), 0) + 1
    assert {r["sha256"] for r in requests} == set(wanted)  # the NVR is not opted in: never analysed
    assert len(requests) == len(wanted)  # one outcome per picture
    driveway = sum(1 for r in wanted.values() if r["device_id"] == "cam-driveway")
    assert driveway > CAP  # the precondition of the cap
    assert by_status == {
        ("rek", "ok"): len(wanted) - driveway,
        ("gcv", "ok"): CAP,
        ("gcv", "skipped_budget"): driveway - CAP,
    }
    assert {r["cost_usd"] for r in requests if r["status"] == "ok"} == {0.001, 0.003}
    detections = _rows(tmp_path / "lake", "detections")
    people = {r["sha256"] for r in detections if r["label"] == "person"}
    analysed = [wanted[str(r["sha256"])] for r in requests if r["status"] == "ok"]
    shown = [s for s in analysed if "person" in truth(vision_site, str(s["device_id"]), int(s["channel"]),  # type: ignore[call-overload]
                                                      s["taken_at"])]  # type: ignore[arg-type]  # fmt: skip
    assert shown  # the scene's people are in the pictures
    missed = [s for s in shown if s["sha256"] not in people]
    assert len(missed) <= 0.05 * len(shown) + 1  # the simulated service's 2 % misses, no more


def _rows_of(lake: Path) -> list[dict[str, object]]:
    files = sorted(str(p) for p in (lake / "raw" / "hikvision" / "snapshots").glob("date=2026-12-*/*.parquet"))
    with duckdb.connect() as con:
        cursor = con.execute("select * from read_parquet(?, union_by_name = true)", [files])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
