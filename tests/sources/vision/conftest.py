"""Shared fixtures for the vision tests: snapshots of the simulated scene and a running simulated cloud."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homelake.sim.model import camera_scene
from homelake.sim.model.site import Site, build_site
from homelake.sources.hikvision.simulator.payloads import snapshot
from homelake.sources.vision.config import ProviderConfig, VisionFamily
from homelake.sources.vision.simulator import Noise, VisionServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vision"
DAY = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday: pinned, never the wall clock


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def vision_site() -> Site:
    return build_site()


def scene_snapshots(
    site: Site, start: datetime, end: datetime, burst: int, spacing_s: float
) -> list[tuple[str, int, datetime, bytes, str]]:
    """A burst of `burst` snapshots `spacing_s` apart at each human or vehicle episode start in [start, end):
    (camera, channel, taken at, JPEG, the camera's own class of the episode)."""
    out = []
    for ep in camera_scene.episodes(site, start, end):
        if ep.target not in ("human", "vehicle"):
            continue
        cam = camera_scene.camera(ep.camera)
        for i in range(burst):
            at = ep.start + timedelta(seconds=1 + i * spacing_s)
            out.append((ep.camera, ep.channel, at, snapshot(site, cam, ep.channel, at), ep.target))
    return out


def truth(site: Site, camera: str, channel: int, at: datetime) -> list[str]:
    """The scene's truth at `at`: sorted canonical labels of what the camera's channel sees."""
    found = [e for e in camera_scene.active_at(site, camera, at) if e.channel == channel and e.target]
    return sorted("car" if e.target == "vehicle" else "person" for e in found)


@pytest.fixture(scope="session")
def a_person(vision_site: Site) -> bytes:
    """One snapshot of the front door with someone at it."""
    camera, channel, at, jpeg, _ = next(
        s
        for s in scene_snapshots(vision_site, DAY, DAY + timedelta(days=1), 1, 1)
        if truth(vision_site, s[0], s[1], s[2]) == ["person"]
    )
    return jpeg


@pytest.fixture
def cloud() -> Iterator[VisionServer]:
    server = VisionServer(noise=Noise(confidence_sd=0.05))
    server.start()
    yield server
    server.stop()


def provider_config(server: VisionServer, kind: str, **extra: Any) -> ProviderConfig:  # noqa: ANN401
    """A provider section pointing at the simulator (credentials from env vars set by the test)."""
    base: dict[str, Any] = {"name": kind, "kind": kind, "timeout_s": 3.0}
    if kind == "rekognition":
        base |= {
            "endpoint_url": server.url,
            "access_key_id": {"env": "HL_TEST_AWS_ID"},
            "secret_access_key": {"env": "HL_TEST_AWS_SECRET"},
        }
    elif kind == "google":
        base |= {"endpoint_url": server.url, "api_key": {"env": "HL_TEST_GOOGLE_KEY"}}
    else:
        base |= {"endpoint_url": f"{server.url}/v1", "api_key": {"env": "HL_TEST_OPENAI_KEY"}, "model": "gpt-4o-mini"}
    return ProviderConfig.model_validate(base | extra)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch, cloud: VisionServer) -> None:
    creds = cloud.credentials
    monkeypatch.setenv("HL_TEST_AWS_ID", creds.access_key_id)
    monkeypatch.setenv("HL_TEST_AWS_SECRET", creds.secret_access_key)
    monkeypatch.setenv("HL_TEST_GOOGLE_KEY", creds.google_api_key)
    monkeypatch.setenv("HL_TEST_OPENAI_KEY", creds.openai_api_key)


def family(providers: list[ProviderConfig], names: list[str], tmp: Path, **extra: Any) -> VisionFamily:  # noqa: ANN401
    """A vision section: on, with `names` opted in (`cameras=` in `extra` replaces them)."""
    return VisionFamily.model_validate(
        {
            "enabled": True,
            "providers": [p.model_dump(mode="json") for p in providers],
            "cameras": [{"name": c} for c in names],
            "outbox": str(tmp / "outbox.sqlite"),
            **extra,
        }
    )


class FakeClock:
    """A clock the worker's sleeps move (parallel sleeps overlap, as they would): no test waits for real time."""

    def __init__(self, start: datetime) -> None:
        import threading

        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            # never backwards; a sleep that began earlier than another thread's ends at the later of the two
            self.now = max(self.now, self.now + timedelta(seconds=seconds))

    def set(self, t: datetime) -> None:
        with self._lock:
            self.now = max(self.now, t)


def land_snapshot(  # noqa: PLR0913 - the picture and what the camera said about it
    tmp: Path,
    camera: str,
    jpeg: bytes,
    taken_at: datetime,
    *,
    target_type: str = "human",
    trigger: str = "episode_start",
) -> str:
    """What the camera family does for a snapshot: the JPEG into `tmp/media`, its row into `tmp/lake`."""
    from homelake.lake.writer import LakeWriter
    from homelake.sources import DATASETS
    from homelake.sources.hikvision.media import store_snapshot

    stored = store_snapshot(tmp / "media", camera, jpeg, taken_at)
    row = {"observed_at": taken_at, "received_at": taken_at, "family": "hikvision", "device_id": camera,
           "collector": "test", "channel": 1, "trigger": trigger, "event_type": "VMD", "target_type": target_type,
           "event_at": taken_at, "taken_at": taken_at, "sha256": stored.sha256, "bytes": stored.size,
           "width": stored.width, "height": stored.height, "path": stored.path}  # fmt: skip
    LakeWriter(tmp / "lake", collector="test").write_rows(DATASETS["hikvision/snapshots"], [row])
    return stored.sha256
