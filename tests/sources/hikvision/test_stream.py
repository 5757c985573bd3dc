"""The alertStream consumer under runtime/stream.py against the camera simulator over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.stream import StreamRunner
from homelake.sim.model.camera_scene import CAMERAS
from homelake.sources import DATASETS
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.simulator import CameraServer
from homelake.sources.hikvision.stream import AlertStreamTarget
from homelake.testing.clock import ManualClock

PASSWORD = "stream-pw"
TICK_S = 0.02  # real seconds per simulated second


def _lake(tmp_path: Path) -> BufferedLakeWriter:
    lake = LakeWriter(tmp_path / "lake", collector="test")
    lake.ensure_anchors(DATASETS.values())
    return BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)


def _rows(tmp_path: Path, dataset: str, sql: str) -> list[tuple[object, ...]]:
    glob = tmp_path / "lake" / "raw" / dataset / "*" / "*.parquet"
    return duckdb.sql(sql.replace("DATA", f"read_parquet('{glob}', union_by_name = true)")).fetchall()


async def _run(runner: StreamRunner, clock: ManualClock, seconds: int, between: object = None) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    for second in range(seconds):
        clock.t += timedelta(seconds=1)
        await asyncio.sleep(TICK_S)
        if callable(between):
            between(second)
    stop.set()
    await asyncio.wait_for(task, 10)
    await runner.target.aclose()


def _camera(server: CameraServer, **extra: object) -> HikvisionCamera:
    return HikvisionCamera(name=server.cam.name, url=server.url, allow_http=True, **extra)  # type: ignore[arg-type]


@pytest.fixture
def server(site: object) -> Iterator[CameraServer]:
    clock = ManualClock(site.start)  # type: ignore[attr-defined]
    sim = CameraServer(site, CAMERAS[1], password=PASSWORD, clock=clock, tick_s=0.005).start()  # type: ignore[arg-type]
    yield sim
    sim.stop()


def test_a_silent_stall_is_noticed_probed_and_recovered(server: CameraServer, tmp_path: Path) -> None:
    clock: ManualClock = server.clock  # type: ignore[assignment]
    writer = _lake(tmp_path)
    target = AlertStreamTarget(_camera(server, stall_s=0.6), PASSWORD, local_tz=server.site.tz, timeout_s=2,
                               clock=clock)  # fmt: skip
    runner = StreamRunner(target, writer, backoff_s=0.05, clock=clock)
    stall = {60: lambda: server.inject("stall", 1 << 30), 120: server.clear}
    asyncio.run(_run(runner, clock, 240, lambda s: stall.get(s, lambda: None)()))
    writer.flush()
    assert runner.stalls >= 1
    assert runner.connects >= 2  # reconnected after the stall
    assert target.heartbeat_s == 10.0  # the cadence, learned
    health = _rows(tmp_path, "homelake/collector_health", "select error_class, error_message from DATA "
                   "where target = 'cam-driveway/alertStream'")  # fmt: skip
    stalled = [m for c, m in health if c == "StreamStalled"]
    assert stalled and "device answers: True" in stalled[0]  # probed before declaring it dead
    ((beats, events),) = _rows(tmp_path, "hikvision/alerts", "select count(*) filter (where is_heartbeat), "
                               "count(*) filter (where not is_heartbeat) from DATA")  # fmt: skip
    assert beats >= 15  # before and after the stall


def test_wrong_password_is_a_health_row_without_the_password(server: CameraServer, tmp_path: Path) -> None:
    clock: ManualClock = server.clock  # type: ignore[assignment]
    writer = _lake(tmp_path)
    target = AlertStreamTarget(_camera(server), "not-the-password", local_tz=server.site.tz, timeout_s=2, clock=clock)
    runner = StreamRunner(target, writer, backoff_s=0.05, clock=clock)
    asyncio.run(_run(runner, clock, 20))
    writer.flush()
    assert runner.connects == 0 and runner.failures >= 1
    health = _rows(tmp_path, "homelake/collector_health", "select ok, error_class, error_message from DATA")
    assert health and all(not ok and cls == "HikvisionError" for ok, cls, _ in health)
    assert "401 Unauthorized" in health[0][2]
    assert all("not-the-password" not in message for _, _, message in health)


def test_a_malformed_part_is_dead_lettered_and_the_stream_goes_on(server: CameraServer, tmp_path: Path) -> None:
    clock: ManualClock = server.clock  # type: ignore[assignment]
    writer = _lake(tmp_path)
    target = AlertStreamTarget(_camera(server), PASSWORD, local_tz=server.site.tz, timeout_s=2, clock=clock)
    runner = StreamRunner(target, writer, backoff_s=0.05, clock=clock)
    asyncio.run(_run(runner, clock, 60, lambda s: server.inject("malformed") if s == 20 else None))
    writer.flush()
    dead = _rows(tmp_path, "homelake/dead_letter", "select dataset, reason, payload from DATA")
    assert len(dead) == 1 and dead[0][0] == "hikvision/alerts" and "not well-formed" in dead[0][1]
    assert runner.connects == 1  # no reconnect for a bad part
    ((beats,),) = _rows(tmp_path, "hikvision/alerts", "select count(*) from DATA where is_heartbeat")
    assert beats >= 4


def test_an_episode_start_takes_a_snapshot_into_the_media_tree(site: object, tmp_path: Path) -> None:
    import hashlib

    from homelake.sim.model.camera_scene import episodes

    start = site.start - timedelta(days=1)  # type: ignore[attr-defined]
    ep = next(e for e in episodes(site, start, site.start, "cam-driveway") if e.target == "vehicle")  # type: ignore[arg-type,attr-defined]
    clock = ManualClock(ep.start - timedelta(seconds=12))
    sim = CameraServer(site, CAMERAS[1], password=PASSWORD, clock=clock, tick_s=0.005).start()  # type: ignore[arg-type]
    writer = _lake(tmp_path)
    media = tmp_path / "media"
    target = AlertStreamTarget(_camera(sim), PASSWORD, local_tz=sim.site.tz, timeout_s=2, clock=clock, media_dir=media)
    try:
        asyncio.run(_run(StreamRunner(target, writer, backoff_s=0.05, clock=clock), clock, 30))
    finally:
        sim.stop()
    writer.flush()
    snaps = _rows(tmp_path, "hikvision/snapshots", "select target_type, event_at, snapshot_lag_ms, sha256, bytes, "
                  "width, height, path from DATA")  # fmt: skip
    assert len(snaps) == 1
    target_type, event_at, lag, digest, size, width, height, path = snaps[0]
    assert (target_type, event_at, width, height) == ("vehicle", ep.start, 640, 360)
    assert 0 <= lag <= 3000  # taken as the first active part arrived (the clock moves a second per tick)
    stored = (media / path).read_bytes()  # type: ignore[operator]
    assert hashlib.sha256(stored).hexdigest() == digest and len(stored) == size
    assert str(path).startswith(f"hikvision/cam-driveway/date={ep.start:%Y-%m-%d}/")
