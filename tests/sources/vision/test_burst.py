"""A burst end to end: the camera simulator's alertStream target keeps `burst_count` pictures of an episode start,
each a content-addressed file and a hikvision/snapshots row; the vision target reads those rows from the lake and
queues one job per image, and the simulated cloud is asked once about each."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import LakeWriter
from homelake.sim.model.camera_scene import CAMERAS, episodes
from homelake.sim.model.site import Site
from homelake.sources import DATASETS
from homelake.sources.base import ParseResult, PollOutcome
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS, HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import FrameCache
from homelake.sources.hikvision.simulator import CameraServer
from homelake.sources.hikvision.stream import AlertStreamTarget
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import VisionServer
from homelake.sources.vision.target import VisionTarget
from homelake.testing.clock import ManualClock
from tests.sources.vision.conftest import DAY, FakeClock, family, provider_config

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("credentials")]
PASSWORD = "burst-pw"
TZ = ZoneInfo("Europe/Berlin")


def _burst(site: Site, media: Path, count: int, spacing_s: float) -> tuple[list[dict[str, object]], object]:
    """The front camera's first human episode start of the day through the real stream target and simulator."""
    cam = next(c for c in CAMERAS if c.name == "cam-front")
    ep = next(e for e in episodes(site, DAY, DAY + timedelta(days=1), cam.name) if e.target == "human")
    clock = ManualClock(ep.start)

    async def sleep(seconds: float) -> None:  # the burst's spacing on the simulated clock: no real wait
        clock.t += timedelta(seconds=seconds)

    sim = CameraServer(site, cam, password=PASSWORD, clock=clock).start()
    camera = HikvisionCamera(name=cam.name, url=sim.url, allow_http=True, snapshot_on=["human"],
                             burst_count=count, burst_spacing_s=spacing_s)  # fmt: skip
    target = AlertStreamTarget(camera, PASSWORD, local_tz=TZ, timeout_s=2, clock=clock, media_dir=media,
                               frames=FrameCache(5, every_s=1.0), sleep=sleep)  # fmt: skip
    start = {"observed_at": ep.start, "event_type": "vmd", "event_state": "active", "channel": ep.channel,
             "active_post_count": 1, "target_type": "human", "is_heartbeat": False}  # fmt: skip
    outcome = PollOutcome(cam.name, results=[ParseResult(HIKVISION_ALERTS.key, rows=[start])])

    async def run() -> None:
        await target._snapshots(outcome)
        await target.aclose()

    try:
        asyncio.run(run())
    finally:
        sim.stop()
    rows = [r for res in outcome.results if res.dataset == HIKVISION_SNAPSHOTS.key for r in res.rows]
    return rows, ep


def test_an_episode_start_keeps_a_burst_and_each_picture_is_one_job(
    vision_site: Site, cloud: VisionServer, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    rows, ep = _burst(vision_site, media, count=3, spacing_s=2.0)
    assert [r["burst_index"] for r in rows] == [0, 1, 2]
    assert {r["trigger"] for r in rows} == {"episode_start"} and {r["target_type"] for r in rows} == {"human"}
    assert [r["taken_at"] for r in rows] == [ep.start + timedelta(seconds=s) for s in (0, 2, 4)]  # type: ignore[attr-defined]
    assert {r["event_at"] for r in rows} == {ep.start}  # type: ignore[attr-defined]
    assert len({r["sha256"] for r in rows}) == 3  # three pictures, three files
    for row in rows:
        data = (media / str(row["path"])).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"] and data[:2] == b"\xff\xd8"
    # the camera family lands its rows; the vision worker reads them from the lake and sends each picture once
    LakeWriter(tmp_path / "lake", collector="test").write_rows(DATASETS[HIKVISION_SNAPSHOTS.key], rows)
    clock = FakeClock(ep.start + timedelta(seconds=10))  # type: ignore[attr-defined]
    config = family([provider_config(cloud, "rekognition")], ["cam-front"], tmp_path, media_dir=str(media))
    providers = {p.name: build_provider(p) for p in config.providers}
    target = VisionTarget(config, providers, local_tz=TZ, interval_s=10, timeout_s=5, clock=clock,
                          lake_root=tmp_path / "lake")  # fmt: skip
    target.worker.sleep = target.worker.rate.sleep = clock.sleep
    target.started_at = ep.start  # type: ignore[attr-defined]
    try:
        outcome = asyncio.run(target.poll())
    finally:
        asyncio.run(target.aclose())
    requests = next(r.rows for r in outcome.results if r.dataset == "vision/requests")
    assert sorted(r["sha256"] for r in requests) == sorted(str(r["sha256"]) for r in rows)
    assert {r["status"] for r in requests} == {"ok"}
    assert sorted(sha for (_, sha), n in cloud.tally.requests.items() if n == 1) == sorted(
        str(r["sha256"]) for r in rows
    )


def test_a_burst_of_one_is_the_old_single_picture(vision_site: Site, tmp_path: Path) -> None:
    rows, _ = _burst(vision_site, tmp_path / "media", count=1, spacing_s=1.0)
    assert [r["burst_index"] for r in rows] == [0]


def test_a_burst_longer_than_the_stall_watchdog_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="burst"):
        HikvisionCamera(name="c", url="https://x", burst_count=10, burst_spacing_s=5.0, stall_s=30)
