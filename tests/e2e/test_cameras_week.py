"""E2E: a simulated week of both cameras and the NVR laid through the real parsers into a real lake, a real
`dbt build`, and camera_episodes / security_events / camera_health_daily == the camera scene's truth."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.ingester import Ingester
from homelake.sim.demo.backfill import store_results
from homelake.sim.model.camera_scene import CAMERAS, REPOST_S, Episode, episodes
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.base import HistoryContext, ParseResult
from homelake.sources.hikvision import SPEC
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS
from homelake.sources.hikvision.relay import MqttRelay
from homelake.testing.broker import Mosquitto
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # a Monday, local midnight
END = START + timedelta(days=7)
SELECT = (
    "+camera_episodes +detections_hourly +camera_health_daily +security_events +activity_while_away +camera_snapshots"
)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp: Path = tmp_path_factory.mktemp("cameras")
    site = build_site(7, start=END)
    lake = LakeWriter(tmp / "lake", collector="e2e")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)
    assert SPEC.history is not None
    outage = _busiest_ten_minutes(site)
    unseen = _unseen(site)
    assert not (unseen[0] - AROUND <= outage + OUTAGE and outage - AROUND <= unseen[1])  # apart
    relayed: list[dict[str, object]] = []

    def store(results: Sequence[ParseResult], family: str, device: str) -> int:
        """The camera events around the outage go the live way (relay -> broker -> ingester), not straight in;
        while the NVR's stream was not connected, nothing of it arrived (its events are lost to the lake)."""
        for result in results:
            if result.dataset == HIKVISION_ALERTS.key and device == "nvr":
                result.rows = [r for r in result.rows if not unseen[0] <= r["observed_at"] < unseen[1]]
            if result.dataset == HIKVISION_ALERTS.key:
                mine = [r for r in result.rows if not r["is_heartbeat"] and _around(outage, r["observed_at"])]
                relayed.extend(mine)
                taken = {id(r) for r in mine}
                result.rows = [r for r in result.rows if id(r) not in taken]
        return store_results(writer, results, family, device)

    ctx = HistoryContext(site=site, store=store, start=START, end=END, step=timedelta(minutes=15), local_tz=TZ)
    rows = SPEC.history(ctx)
    writer.flush()
    relay_report = _relay_through_an_outage(tmp, relayed, outage)
    metadata = site.write_metadata_csv(tmp / "seeds" / "device_metadata.csv")
    warehouse = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        # only tests whose every parent is selected (not, say, an energy test that shares a Shelly model)
        env.setenv("DBT_INDIRECT_SELECTION", "cautious")
        build_warehouse(lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=metadata,
                        site_timezone=str(TZ), select=SELECT)  # fmt: skip
    return {"site": site, "rows": rows, "warehouse": warehouse, "relay": relay_report, "outage": outage,
            "unseen": unseen}  # fmt: skip


def _unseen(site: object) -> tuple[datetime, datetime]:
    """20 minutes around the first garden episode of the week's third day: the NVR's stream was not connected."""
    day3 = START + timedelta(days=2)
    ep = next(e for e in episodes(site, day3, END, "nvr") if e.start >= day3 and e.event_type == "VMD")  # type: ignore[arg-type]
    return ep.start - timedelta(minutes=10), ep.start + timedelta(minutes=10)


def _truth(week: dict[str, object]) -> list[Episode]:
    """The episodes the lake can know: all but those the NVR sent while its stream was not connected."""
    lo, hi = week["unseen"]  # type: ignore[misc]
    return [e for e in episodes(week["site"], START, END)  # type: ignore[arg-type]
            if not (e.camera == "nvr" and lo <= e.start < hi)]  # fmt: skip


OUTAGE = timedelta(minutes=10)
AROUND = timedelta(minutes=5)  # relayed before and after the outage too: the broker is up then


def _busiest_ten_minutes(site: object) -> datetime:
    """The start of the 10 simulated minutes in which the most episodes start (an outage worth having)."""
    starts = sorted(e.start for e in episodes(site, START, END))  # type: ignore[arg-type]
    return max(starts, key=lambda t: sum(1 for u in starts if t <= u < t + OUTAGE)) - timedelta(seconds=30)


def _around(outage: datetime, at: datetime) -> bool:
    return outage - AROUND <= at < outage + OUTAGE + AROUND


def _wait(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _relay_through_an_outage(tmp: Path, rows: list[dict[str, object]], outage: datetime) -> dict[str, int]:
    """Replays the camera events of the outage's neighbourhood in camera-time order through each camera's real
    MqttRelay, a real Mosquitto and the real ingester into the lake; the broker is down for the 10 simulated
    minutes from `outage`: the relays spool what they read then and deliver it once it is back."""
    rows = sorted(rows, key=lambda r: (r["observed_at"], r["device_id"], r["active_post_count"]))  # type: ignore[return-value]
    lake = LakeWriter(tmp / "lake", collector="e2e-ingester")
    report = {"relayed": len(rows), "spooled_in_outage": 0, "replayed": 0}
    with Mosquitto(tmp / "broker") as broker:
        ingester = Ingester(MqttConfig(port=broker.port, client_id="cameras-e2e", batch_max_age_s=0.2), lake,
                            local_tz=TZ)  # fmt: skip
        ingester.start()
        relays = {cam.name: MqttRelay(cam.name, "127.0.0.1", broker.port, tmp / "spool" / f"{cam.name}.spool")
                  for cam in CAMERAS}  # fmt: skip
        try:
            assert _wait(lambda: ingester.metrics.connected and all(r.client.is_connected() for r in relays.values()))
            down = False
            for row in rows:
                at: datetime = row["observed_at"]  # type: ignore[assignment]
                if not down and outage <= at < outage + OUTAGE:
                    broker.stop()  # the outage begins (simulated time: the camera's clock on the parts)
                    assert _wait(lambda: not any(r.client.is_connected() for r in relays.values()))
                    down = True
                elif down and at >= outage + OUTAGE:
                    broker.start()  # back: every relay delivers its spool, in order, before anything newer
                    assert _wait(lambda: all(r.client.is_connected() for r in relays.values()))
                    report["replayed"] = sum(r.flush() for r in relays.values())
                    down = False
                delivered = relays[str(row["device_id"])].relay(row)
                report["spooled_in_outage"] += down and delivered == 0
            assert not down, "the outage must end before the relayed window does"
            assert all(r.spool.pending() == [] for r in relays.values())
            assert _wait(lambda: ingester.metrics.written >= len(rows), 30)
        finally:
            for relay in relays.values():
                relay.close()
            ingester.stop()
    return report


def _query(week: dict[str, object], sql: str) -> list[tuple[object, ...]]:
    con = connect_readonly(week["warehouse"])  # type: ignore[arg-type]
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_episodes_equal_the_truth(week: dict[str, object]) -> None:
    truth = _truth(week)
    assert len(truth) > 50 and len(truth) < len(episodes(week["site"], START, END))  # type: ignore[arg-type]
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
    ((videoloss,),) = _query(week, "select count(*) from camera_episodes where event_type = 'videoloss'")
    assert videoloss == 7  # the nightly real video loss only: ~10,000 videoloss/inactive heartbeats made none
    ((beats,),) = _query(week, "select sum(heartbeats) from camera_health_daily")
    assert beats > 3 * 7 * 1000  # a heartbeat a minute per device in the backfill
    alarms = _query(week, "select camera, channel from camera_episodes where is_alarm")
    assert alarms == [("nvr", 8)] * 7
    ((timeline_alarms,),) = _query(week, "select count(*) from security_events where kind = 'camera' and what = "
                                         "'videoloss'")  # fmt: skip
    assert timeline_alarms == 7


def test_detections_hourly_adds_up(week: dict[str, object]) -> None:
    by_class = dict(_query(week, "select detection_class, sum(episodes) from detections_hourly group by all"))
    truth = _truth(week)
    assert by_class == {
        cls: sum(1 for e in truth if (e.target or e.event_type.lower()) == cls)
        for cls in {e.target or e.event_type.lower() for e in truth}
    }


def test_backfilled_days_have_uptime(week: dict[str, object]) -> None:
    rows = _query(week, "select camera, day_local, stream_uptime_pct, uptime_source from camera_health_daily")
    assert len(rows) == 3 * 7  # every camera, every site-local day of the week
    unseen_day = (START + timedelta(days=2)).astimezone(TZ).date()
    connected = [r for r in rows if (r[0], r[1]) != ("nvr", unseen_day)]
    # a heartbeat a minute all day long: covered but for the minute before the day's first heartbeat
    assert all(99.8 <= pct <= 100 and source == "heartbeats" for _, _, pct, source in connected), rows
    ((pct,),) = _query(week, f"select stream_uptime_pct from camera_health_daily where camera = 'nvr' "
                             f"and day_local = '{unseen_day}'")  # fmt: skip
    assert 98.4 <= pct < 98.7  # 20 of the day's 1440 minutes without a stream


def test_events_sent_while_no_stream_was_connected_show_as_a_gap(week: dict[str, object]) -> None:
    lo, hi = week["unseen"]  # type: ignore[misc]
    lost = [e for e in episodes(week["site"], START, END) if e.camera == "nvr" and lo <= e.start < hi]  # type: ignore[arg-type]
    assert lost  # the NVR did see someone in the garden then
    gaps = _query(week, "select camera, day_local, heartbeat_gaps, longest_heartbeat_gap_s from camera_health_daily "
                        "where heartbeat_gaps > 0")  # fmt: skip
    assert gaps == [("nvr", lo.astimezone(TZ).date(), 1, pytest.approx((hi - lo).total_seconds(), abs=61))]


def test_a_ten_minute_broker_outage_loses_no_event(week: dict[str, object]) -> None:
    """The episodes test above already holds with the outage in the week; here: it really happened and mattered."""
    report: dict[str, int] = week["relay"]  # type: ignore[assignment]
    outage: datetime = week["outage"]  # type: ignore[assignment]
    assert report["spooled_in_outage"] >= 20 and report["replayed"] >= 2 * report["spooled_in_outage"]  # + states
    truth = [e for e in episodes(week["site"], START, END) if outage <= e.start < outage + OUTAGE]  # type: ignore[arg-type]
    since, until = outage.isoformat(), (outage + OUTAGE).isoformat()
    got = _query(week, f"select count(*), count(*) filter (where content_type = 'mqtt') "
                       f"from staging.stg_hikvision__alerts where not is_heartbeat "
                       f"and observed_at >= '{since}' and observed_at < '{until}'")  # fmt: skip
    ((parts, via_mqtt),) = got
    assert truth and parts == via_mqtt == report["spooled_in_outage"]
