"""A zone's motion sensor has the zone cameras take a burst now (the camera simulator serves the pictures, the
camera family stores them and describes them as hikvision/snapshots rows) and queues one job per picture, under
the same privacy rules as episode starts; the vision family reaches the camera through the capture the runtime
hands it, never by importing the camera family."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from homelake.sim.model.camera_scene import CAMERAS
from homelake.sim.model.site import Site
from homelake.sources.base import Capture, FamilyContext, PollOutcome
from homelake.sources.hikvision import SPEC as HIKVISION
from homelake.sources.hikvision.capture import CameraCapture
from homelake.sources.hikvision.config import HikvisionCamera, HikvisionFamily
from homelake.sources.hikvision.simulator import CameraServer
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import VisionServer
from homelake.sources.vision.target import MOTION_SENSOR, VisionTarget
from tests.sources.vision.conftest import DAY, FakeClock, family, provider_config
from tests.sources.vision.test_motion_zone import _motion

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("credentials")]
TZ = ZoneInfo("Europe/Berlin")
T = DAY + timedelta(hours=11)  # 12:00 in Berlin: the hall sensor sees someone
PASSWORD = "capture-pw"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T + timedelta(seconds=5))  # the worker's, the cameras' and the burst's time


@pytest.fixture
def cameras(vision_site: Site, clock: FakeClock) -> Iterator[dict[str, CameraServer]]:
    servers = {c.name: CameraServer(vision_site, c, password=PASSWORD, clock=clock).start() for c in CAMERAS[:2]}
    yield servers
    for server in servers.values():
        server.stop()


def _pictures(server: CameraServer) -> int:
    return sum("/picture" in path for path in server.requests)


def _target(cloud: VisionServer, tmp: Path, clock: FakeClock, servers: dict[str, CameraServer],
            **extra: Any) -> VisionTarget:  # noqa: ANN401  # fmt: skip
    config = family([provider_config(cloud, "rekognition")], [], tmp, media_dir=str(tmp / "media"), **extra)
    captures = {
        name: CameraCapture(HikvisionCamera(name=name, url=server.url, allow_http=True), PASSWORD,
                            media_dir=tmp / "media", local_tz=TZ, timeout_s=3, clock=clock)
        for name, server in servers.items()
    }  # fmt: skip

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    target = VisionTarget(config, {p.name: build_provider(p) for p in config.providers}, local_tz=TZ, interval_s=10,
                          timeout_s=5, clock=clock, lake_root=tmp / "lake", capture=captures.get,
                          sleep=sleep)  # fmt: skip
    target.worker.sleep = target.worker.rate.sleep = clock.sleep
    target.started_at = T - timedelta(hours=1)
    return target


def test_zone_motion_takes_a_burst_and_queues_each_picture_once(
    cloud: VisionServer, cameras: dict[str, CameraServer], clock: FakeClock, tmp_path: Path
) -> None:
    # cam-front is opted in for vehicles only: the zone's burst is analysed whatever the camera saw
    target = _target(cloud, tmp_path, clock, cameras, cameras=[{"name": "cam-front", "classes": ["vehicle"]}],
                     motion_zones={"hall": {"sensors": ["shelly-motion-hall"], "cameras": ["cam-front"], "count": 3,
                                            "spacing_s": 2}})  # fmt: skip
    readings = [(T - timedelta(minutes=1), False), (T, True)]
    _motion(tmp_path, "shelly", "shelly-motion-hall", "motion", readings)

    async def run() -> tuple[PollOutcome, int, PollOutcome]:  # one event loop, as in the collector
        try:
            first = await target.poll()
            for durable in first.on_durable:  # what the poller does once the rows are in the lake
                durable()
            asked = _pictures(cameras["cam-front"])
            # the same readings again (redelivered into a new file) and a later poll: nothing new is taken
            _motion(tmp_path, "shelly", "shelly-motion-hall", "motion", readings)
            clock.set(T + timedelta(seconds=30))
            return first, asked, await target.poll()
        finally:
            await target.aclose()

    outcome, asked, again = asyncio.run(run())
    snaps = [r for res in outcome.results if res.dataset == "hikvision/snapshots" for r in res.rows]
    assert [(r["device_id"], r["trigger"], r["burst_index"]) for r in snaps] == [
        ("cam-front", MOTION_SENSOR, i) for i in range(3)
    ]
    assert [r["taken_at"] - T for r in snaps] == [timedelta(seconds=s) for s in (5, 7, 9)]  # 2 s apart
    assert [r["snapshot_lag_ms"] for r in snaps] == [5000, 7000, 9000]  # since the sensor's motion
    assert all((tmp_path / "media" / r["path"]).is_file() for r in snaps)
    assert len({r["sha256"] for r in snaps}) == 3
    assert {sha for (_, sha) in cloud.tally.requests} == {r["sha256"] for r in snaps}  # one job per picture
    assert not [r for res in again.results if res.dataset == "hikvision/snapshots" for r in res.rows]
    assert asked > 0 and _pictures(cameras["cam-front"]) == asked
    assert set(cloud.tally.requests.values()) == {1}
    assert _pictures(cameras["cam-driveway"]) == 0  # not in the zone


def test_no_capture_for_a_camera_not_opted_in_or_in_its_quiet_hours(
    cloud: VisionServer, cameras: dict[str, CameraServer], clock: FakeClock, tmp_path: Path
) -> None:
    target = _target(cloud, tmp_path, clock, cameras,
                     cameras=[{"name": "cam-front", "quiet_hours": [11, 14]}, {"name": "cam-driveway"}],
                     motion_zones={"hall": {"sensors": ["shelly-motion-hall"], "cameras": ["cam-front"]},
                                   "drive": {"sensors": ["drive_pir"], "cameras": ["cam-driveway"]}})  # fmt: skip
    # the site file cannot name a zone camera that is not opted in (validated); the trigger checks again anyway
    target.config.cameras = [c for c in target.config.cameras if c.name != "cam-driveway"]
    _motion(tmp_path, "shelly", "shelly-motion-hall", "motion", [(T, True)])
    _motion(tmp_path, "zigbee", "drive_pir", "occupancy", [(T, True)])

    async def run() -> tuple[PollOutcome, dict[str, int]]:
        try:
            return await target.poll(), target.outbox.counts()
        finally:
            await target.aclose()

    outcome, jobs = asyncio.run(run())
    assert not [r for res in outcome.results if res.dataset == "hikvision/snapshots" for r in res.rows]
    assert _pictures(cameras["cam-front"]) == _pictures(cameras["cam-driveway"]) == 0  # not even a picture
    assert not cloud.tally.requests and not any(jobs.values())


def test_the_camera_family_hands_out_its_cameras(tmp_path: Path) -> None:
    camera = {"name": "cam-front", "url": "https://192.0.2.10"}
    configured = HikvisionFamily.model_validate({"cameras": [camera], "media_dir": str(tmp_path)})

    def ctx(config: HikvisionFamily) -> FamilyContext:
        return FamilyContext(config=config, local_tz=TZ, interval_s=10, timeout_s=2, collector="test")

    assert HIKVISION.capture is not None
    assert HIKVISION.capture(ctx(configured), "cam-back") is None  # not one of its cameras
    no_media = configured.model_copy(update={"media_dir": None})
    assert HIKVISION.capture(ctx(no_media), "cam-front") is None  # keeps no pictures
    found: Capture | None = HIKVISION.capture(ctx(configured), "cam-front")
    assert isinstance(found, CameraCapture) and found.media_dir == tmp_path
    asyncio.run(found.aclose())
