"""Snapshots as media: the rolling frame cache, scheduled pictures, history's pictures (real simulator, real files)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from homelake.sim.model.camera_scene import CAMERAS, episodes
from homelake.sources.base import HistoryContext, ParseResult, PollOutcome
from homelake.sources.hikvision.config import HikvisionCamera, HikvisionFamily
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS, HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import FrameCache
from homelake.sources.hikvision.motion import NearbyMotion
from homelake.sources.hikvision.simulator import CameraServer
from homelake.sources.hikvision.simulator.history import lay_history
from homelake.sources.hikvision.stream import AlertStreamTarget
from homelake.sources.hikvision.target import HikvisionTarget
from homelake.testing.clock import ManualClock

T = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PASSWORD = "media-pw"


def test_the_frame_cache_keeps_the_last_frames_and_picks_the_closest() -> None:
    cache = FrameCache(3, every_s=1.0)
    assert cache.due(1, T) and cache.closest(1, T) is None
    for s in range(5):
        cache.add(1, T + timedelta(seconds=s), f"f{s}".encode())
    assert not cache.due(1, T + timedelta(seconds=4.5)) and cache.due(1, T + timedelta(seconds=5))
    assert [f for _, f in cache.frames[1]] == [b"f2", b"f3", b"f4"]  # only the last 3
    assert cache.closest(1, T + timedelta(seconds=3.4)) == (T + timedelta(seconds=3), b"f3")
    assert cache.closest(1, T) == (T + timedelta(seconds=2), b"f2")  # the oldest kept one
    assert cache.closest(1, T - timedelta(minutes=5)) is None  # nothing near: no stale picture
    assert cache.closest(2, T) is None  # channels are apart
    off = FrameCache(0, every_s=1.0)
    off.add(1, T, b"x")
    assert not off.due(1, T) and off.closest(1, T) is None


def _alert(at: datetime, count: int) -> dict[str, object]:
    return {"observed_at": at, "event_type": "vmd", "event_state": "active", "channel": 1, "active_post_count": count,
            "target_type": "human", "is_heartbeat": False}  # fmt: skip


def test_a_late_episode_start_gets_the_cached_frame_from_its_start(site: object, tmp_path: Path) -> None:
    """The camera's start part arrives 4 s late (as event pictures do on real devices): the frame fetched
    while the scene was already moving, at the episode's start, is kept; not the one fetched on arrival."""
    clock = ManualClock(T)
    sim = CameraServer(site, CAMERAS[0], password=PASSWORD, clock=clock).start()  # type: ignore[arg-type]
    camera = HikvisionCamera(name=sim.cam.name, url=sim.url, allow_http=True, snapshot_on=["human"])
    target = AlertStreamTarget(camera, PASSWORD, local_tz=UTC, timeout_s=2, clock=clock, media_dir=tmp_path,
                               frames=FrameCache(5, every_s=1.0))  # fmt: skip

    async def run() -> tuple[PollOutcome, PollOutcome]:
        moving = PollOutcome(camera.name, results=[ParseResult(HIKVISION_ALERTS.key, rows=[_alert(T, 7)])])
        await target._snapshots(moving)  # another episode re-posting: a frame is cached at T
        clock.t = T + timedelta(seconds=4)
        late = PollOutcome(camera.name, results=[ParseResult(HIKVISION_ALERTS.key, rows=[_alert(T, 1)])])
        await target._snapshots(late)
        await target.aclose()
        return moving, late

    try:
        moving, late = asyncio.run(run())
    finally:
        sim.stop()
    assert [r.dataset for r in moving.results] == [HIKVISION_ALERTS.key]  # a re-post is no start: no snapshot
    (snap,) = late.results[-1].rows
    assert snap["from_frame_cache"] and snap["taken_at"] == T and snap["snapshot_lag_ms"] == 0
    assert len(target.frames.frames[1]) == 2  # the frame fetched on arrival was cached too, just not chosen
    stored = (tmp_path / snap["path"]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == snap["sha256"] and stored[:2] == b"\xff\xd8"


def test_scheduled_pictures_once_per_slot_for_every_channel(site: object, tmp_path: Path) -> None:
    clock = ManualClock(T + timedelta(minutes=59))
    nvr = next(c for c in CAMERAS if c.name == "nvr")
    sim = CameraServer(site, nvr, password=PASSWORD, clock=clock).start()  # type: ignore[arg-type]
    camera = HikvisionCamera(name="nvr", url=sim.url, allow_http=True)
    target = HikvisionTarget(camera, PASSWORD, local_tz=UTC, interval_s=60, timeout_s=2, clock=clock,
                             media_dir=tmp_path, snapshot_every_s=3600)  # fmt: skip

    async def polls() -> list[PollOutcome]:
        out = []
        for minute in (59, 59.5, 60, 61):  # the first poll of each hour takes the pictures
            clock.t = T + timedelta(minutes=minute)
            out.append(await target.poll())
        await target.aclose()
        return out

    try:
        outcomes = asyncio.run(polls())
    finally:
        sim.stop()
    snaps = [[r for res in o.results if res.dataset == HIKVISION_SNAPSHOTS.key for r in res.rows] for o in outcomes]
    assert [len(s) for s in snaps] == [8, 0, 8, 0]  # the NVR's 8 channels, discovered from its triggers
    assert {r["trigger"] for s in snaps for r in s} == {"scheduled"}
    assert sorted(r["channel"] for r in snaps[2]) == list(range(1, 9))
    assert all((tmp_path / r["path"]).is_file() for s in snaps for r in s)


def test_history_lays_the_pictures_the_collector_would_have_kept(site: object, tmp_path: Path) -> None:
    end = site.start  # type: ignore[attr-defined]
    start = end - timedelta(hours=6)
    config = HikvisionFamily(media_dir=tmp_path / "media", cameras=[
        HikvisionCamera(name=c.name, url="https://192.0.2.1") for c in CAMERAS])  # fmt: skip
    stored: list[dict[str, object]] = []

    def store(results: list[ParseResult], family: str, device: str) -> int:
        rows = [r for res in results if res.dataset == HIKVISION_SNAPSHOTS.key for r in res.rows]
        stored.extend(rows)
        return len(rows)

    ctx = HistoryContext(site=site, store=store, start=start, end=end, step=timedelta(minutes=15),  # type: ignore[arg-type]
                         local_tz=ZoneInfo("Europe/Berlin"), config=config)  # fmt: skip
    lay_history(ctx)
    scheduled = [r for r in stored if r["trigger"] == "scheduled"]
    assert len(scheduled) == 6 * (1 + 1 + 8)  # every hour, every channel of every device
    starts = sorted((r["device_id"], r["channel"], r["event_at"]) for r in stored if r["trigger"] == "episode_start")
    truth = sorted((e.camera, e.channel, e.start) for e in episodes(site, start, end)  # type: ignore[arg-type]
                   if e.start >= start and e.target in ("human", "vehicle"))  # fmt: skip
    assert starts == truth and truth
    assert all((tmp_path / "media" / str(r["path"])).is_file() for r in stored)
    lay_history(HistoryContext(site=site, store=store, start=start, end=end, step=timedelta(minutes=15),  # type: ignore[arg-type]
                               local_tz=UTC))  # fmt: skip
    assert len(stored) == len(scheduled) + len(starts)  # without a site's media_dir: no pictures


def _sensor_rows(lake: Path, family: str, sensor: str, column: str, readings: list[tuple[datetime, bool]]) -> None:
    """What the shelly or zigbee family lands for a motion sensor: sensor_readings rows in the lake."""
    from homelake.lake.writer import LakeWriter  # noqa: PLC0415
    from homelake.sources import DATASETS  # noqa: PLC0415

    rows = [{"observed_at": at, "received_at": at, "family": family, "device_id": sensor, "collector": "test",
             column: moving} for at, moving in readings]  # fmt: skip
    LakeWriter(lake, collector="test").write_rows(DATASETS[f"{family}/sensor_readings"], rows)


def _nearby_target(sim: CameraServer, clock: ManualClock, tmp_path: Path) -> AlertStreamTarget:
    camera = HikvisionCamera(name=sim.cam.name, url=sim.url, allow_http=True, snapshot_on=["human"],
                             motion_sensors=["ShellyMotionSensor-Hall", "hall_pir"], motion_window_s=30)  # fmt: skip
    nearby = NearbyMotion(tmp_path / "lake", camera.motion_sensors, camera.motion_window_s)
    return AlertStreamTarget(camera, PASSWORD, local_tz=UTC, timeout_s=2, clock=clock, media_dir=tmp_path / "media",
                             frames=FrameCache(5, every_s=1.0), nearby=nearby)  # fmt: skip


def test_a_nearby_motion_sensor_fills_the_frame_cache_before_the_camera_says_anything(
    site: object, tmp_path: Path
) -> None:
    """The hall sensor reports motion at T; the camera's own start part (for T + 3.4 s) only arrives at T + 6 s:
    the frames cached meanwhile, on the sensor's word alone, give the episode the frame closest to its start."""
    clock = ManualClock(T)
    sim = CameraServer(site, CAMERAS[0], password=PASSWORD, clock=clock).start()  # type: ignore[arg-type]
    _sensor_rows(tmp_path / "lake", "shelly", "shellymotionsensor-hall", "motion",
                 [(T - timedelta(minutes=5), False), (T, True)])  # fmt: skip
    _sensor_rows(tmp_path / "lake", "shelly", "shellymotionsensor-garage", "motion", [(T, True)])  # not near
    target = _nearby_target(sim, clock, tmp_path)

    async def run() -> tuple[list[int], PollOutcome]:
        cached = []
        for second in range(6):  # what the background task does every frame_cache_every_s while connected
            clock.t = T + timedelta(seconds=second)
            cached.append(await target.cache_nearby())
        clock.t = T + timedelta(seconds=6)
        start = ParseResult(HIKVISION_ALERTS.key, rows=[_alert(T + timedelta(seconds=3.4), 1)])
        late = PollOutcome(sim.cam.name, results=[start])
        await target._snapshots(late)
        await target.aclose()
        return cached, late

    try:
        cached, late = asyncio.run(run())
    finally:
        sim.stop()
    assert cached == [1] * 6  # one frame a second of the channel seen (channel 1 from the start)
    assert [at for at, _ in target.frames.frames[1]][-1] == T + timedelta(seconds=6)  # and the one on arrival
    (snap,) = late.results[-1].rows
    assert snap["from_frame_cache"] and snap["taken_at"] == T + timedelta(seconds=3)
    assert snap["snapshot_lag_ms"] == -400  # the frame 0.4 s before the start, not the one fetched 2.6 s after it
    assert (tmp_path / "media" / snap["path"]).is_file()


def test_no_frames_without_motion_nearby_or_outside_its_window(site: object, tmp_path: Path) -> None:
    clock = ManualClock(T)
    sim = CameraServer(site, CAMERAS[0], password=PASSWORD, clock=clock).start()  # type: ignore[arg-type]
    lake = tmp_path / "lake"
    _sensor_rows(lake, "shelly", "shellymotionsensor-hall", "motion", [(T, False)])  # a reading, no motion
    _sensor_rows(lake, "zigbee", "kitchen_pir", "occupancy", [(T, True)])  # motion, but not near this camera
    target = _nearby_target(sim, clock, tmp_path)

    async def tick(at: datetime) -> int:
        clock.t = at
        return await target.cache_nearby()

    async def run() -> list[int]:
        quiet = await tick(T + timedelta(seconds=1))
        # the Zigbee hall sensor saw someone 31 s ago: outside the 30 s window, then just inside it
        _sensor_rows(lake, "zigbee", "hall_pir", "occupancy", [(T + timedelta(seconds=10), True)])
        stale = await tick(T + timedelta(seconds=41))
        assert not [path for path in sim.requests if "picture" in path]  # the camera was not even asked
        fresh = await tick(T + timedelta(seconds=40))
        await target.aclose()
        return [quiet, stale, fresh]

    try:
        assert asyncio.run(run()) == [0, 0, 1]
    finally:
        sim.stop()
    assert [at for at, _ in target.frames.frames[1]] == [T + timedelta(seconds=40)]
