"""E2E: a simulated week of both cameras and the NVR laid through the real parsers into a real lake, a real
`dbt build`, and camera_episodes / security_events / camera_health_daily == the camera scene's truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import store_results
from homelake.sim.model.camera_scene import REPOST_S, episodes
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.base import HistoryContext
from homelake.sources.hikvision import SPEC
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # a Monday, local midnight
END = START + timedelta(days=7)
SELECT = "+camera_episodes +detections_hourly +camera_health_daily +security_events"


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp: Path = tmp_path_factory.mktemp("cameras")
    site = build_site(7, start=END)
    lake = LakeWriter(tmp / "lake", collector="e2e")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)
    assert SPEC.history is not None
    ctx = HistoryContext(site=site, store=partial(store_results, writer), start=START, end=END,
                         step=timedelta(minutes=15), local_tz=TZ)  # fmt: skip
    rows = SPEC.history(ctx)
    writer.flush()
    metadata = site.write_metadata_csv(tmp / "seeds" / "device_metadata.csv")
    warehouse = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        # only tests whose every parent is selected (not, say, an energy test that shares a Shelly model)
        env.setenv("DBT_INDIRECT_SELECTION", "cautious")
        build_warehouse(lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=metadata,
                        site_timezone=str(TZ), select=SELECT)  # fmt: skip
    return {"site": site, "rows": rows, "warehouse": warehouse}


def _query(week: dict[str, object], sql: str) -> list[tuple[object, ...]]:
    con = connect_readonly(week["warehouse"])  # type: ignore[arg-type]
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_episodes_equal_the_truth(week: dict[str, object]) -> None:
    truth = episodes(week["site"], START, END)  # type: ignore[arg-type]
    assert len(truth) > 50
    got = _query(week, "select camera, channel, event_type, target_type, started_at, last_active_at, ended_by "
                       "from camera_episodes order by started_at, camera, channel, event_type")  # fmt: skip
    assert len(got) == len(truth)
    last_part = [ep.start + timedelta(seconds=int((ep.end - ep.start).total_seconds() // REPOST_S) * REPOST_S)
                 for ep in truth]  # fmt: skip
    want = [(e.camera, e.channel, e.event_type.lower(), e.target, e.start, last, e.ended_by)
            for e, last in zip(truth, last_part, strict=True)]  # fmt: skip
    assert [(c, ch, t, tt, s.astimezone(UTC), la.astimezone(UTC), eb) for c, ch, t, tt, s, la, eb in got] == want
    assert {e.ended_by for e in truth} == {"inactive", "stale"}  # both end rules are exercised


def test_heartbeats_create_no_events_and_video_loss_is_an_alarm(week: dict[str, object]) -> None:
    ((beats, beat_events),) = _query(week, "select sum(heartbeats), sum(heartbeat_gaps) from camera_health_daily")
    assert beats > 3 * 7 * 1000  # a heartbeat a minute per device in the backfill
    assert beat_events == 0
    alarms = _query(week, "select camera, channel from camera_episodes where is_alarm")
    assert alarms == [("nvr", 8)] * 7
    ((timeline_alarms,),) = _query(week, "select count(*) from security_events where kind = 'camera' and what = "
                                         "'videoloss'")  # fmt: skip
    assert timeline_alarms == 7


def test_detections_hourly_adds_up(week: dict[str, object]) -> None:
    by_class = dict(_query(week, "select detection_class, sum(episodes) from detections_hourly group by all"))
    truth = episodes(week["site"], START, END)  # type: ignore[arg-type]
    assert by_class == {
        cls: sum(1 for e in truth if (e.target or e.event_type.lower()) == cls)
        for cls in {e.target or e.event_type.lower() for e in truth}
    }
