"""The motion-sensor zone trigger: a motion sensor of a configured zone that starts reporting motion (its rows in
the lake, as the shelly or zigbee family lands them) queues the zone cameras' pictures nearest that moment, from
the media tree the camera family keeps; the vision family imports neither family."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import LakeWriter
from homelake.sources import DATASETS
from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import VisionServer
from homelake.sources.vision.target import VisionTarget
from tests.sources.vision.conftest import DAY, FakeClock, family, land_snapshot, provider_config

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("credentials")]
TZ = ZoneInfo("Europe/Berlin")
T = DAY + timedelta(hours=11)  # the hall sensor sees someone


def _variant(jpeg: bytes, i: int) -> bytes:
    """The same picture with a different trailing comment: another file, another sha256."""
    return jpeg[:-2] + bytes([0xFF, 0xFE, 0x00, 0x03, i]) + jpeg[-2:]


def _motion(tmp: Path, family_name: str, sensor: str, column: str, readings: list[tuple[datetime, bool]]) -> None:
    dataset = DATASETS[f"{family_name}/sensor_readings"]
    rows = [{"observed_at": at, "received_at": at, "family": family_name, "device_id": sensor, "collector": "test",
             column: moving} for at, moving in readings]  # fmt: skip
    LakeWriter(tmp / "lake", collector="test").write_rows(dataset, rows)


def _target(cloud: VisionServer, tmp: Path, clock: FakeClock) -> VisionTarget:
    config = family([provider_config(cloud, "rekognition")], [], tmp, media_dir=str(tmp / "media"),
                    cameras=[{"name": "cam-front", "classes": ["vehicle"]}, {"name": "cam-driveway"}],
                    motion_zones={"hall": {"sensors": ["shelly-motion-hall", "hall_pir"], "cameras": ["cam-front"],
                                           "window_s": 30, "count": 2}})  # fmt: skip
    target = VisionTarget(config, {p.name: build_provider(p) for p in config.providers}, local_tz=TZ, interval_s=10,
                          timeout_s=5, clock=clock, lake_root=tmp / "lake")  # fmt: skip
    target.worker.sleep = target.worker.rate.sleep = clock.sleep
    target.started_at = T - timedelta(hours=1)
    return target


def test_motion_in_a_zone_queues_the_nearest_pictures_of_its_cameras(
    cloud: VisionServer, a_person: bytes, tmp_path: Path
) -> None:
    # cam-front is opted in for vehicles only: its human episode starts alone would never be sent
    shas = {
        offset: land_snapshot(
            tmp_path, "cam-front", _variant(a_person, i), T + timedelta(seconds=offset), trigger=trigger
        )  # fmt: skip
        for i, (offset, trigger) in enumerate(
            [(-20, "episode_start"), (3, "episode_start"), (25, "scheduled"), (100, "episode_start")]
        )  # fmt: skip
    }
    other_camera = land_snapshot(tmp_path, "cam-driveway", _variant(a_person, 9), T, target_type="animal")
    _motion(tmp_path, "shelly", "shelly-motion-hall", "motion",
            [(T - timedelta(minutes=1), False), (T, True), (T + timedelta(seconds=10), True)])  # fmt: skip
    _motion(tmp_path, "shelly", "shelly-motion-garage", "motion", [(T + timedelta(seconds=99), True)])  # no zone
    clock = FakeClock(T + timedelta(seconds=40))
    target = _target(cloud, tmp_path, clock)
    try:
        asyncio.run(target.poll())
        sent = {sha for (_, sha) in cloud.tally.requests}
        assert sent == {shas[3], shas[-20]}  # the two nearest of the zone camera, whatever their trigger or class
        assert other_camera not in sent and shas[100] not in sent  # not in the zone; outside the window
        # a second start of motion (after a reading without), from a Zigbee sensor of the zone, near the late one
        _motion(tmp_path, "zigbee", "hall_pir", "occupancy",
                [(T + timedelta(seconds=90), False), (T + timedelta(seconds=95), True)])  # fmt: skip
        clock.set(T + timedelta(seconds=130))
        asyncio.run(target.poll())
        sent = {sha for (_, sha) in cloud.tally.requests}
        assert sent == {shas[3], shas[-20], shas[100]}  # only the late picture is within 30 s of the new start
    finally:
        asyncio.run(target.aclose())
    assert set(cloud.tally.requests.values()) == {1}  # each picture once


def test_a_zone_camera_must_be_opted_in() -> None:
    with pytest.raises(ValueError, match=r"motion_zones.hall: camera cam-back is not in vision.cameras"):
        VisionFamily.model_validate(
            {"cameras": [{"name": "cam-front"}], "motion_zones": {"hall": {"sensors": ["s"], "cameras": ["cam-back"]}}}
        )
