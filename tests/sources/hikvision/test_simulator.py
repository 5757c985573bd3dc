"""The camera simulator over real sockets: Digest auth, ISAPI answers our parsers read, snapshots, stream, faults."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from PIL import Image

from homelake.sim.model.camera_scene import CAMERAS, episodes
from homelake.sources.hikvision import parser
from homelake.sources.hikvision.alerts import parse_part
from homelake.sources.hikvision.multipart import MultipartStream, boundary_of
from homelake.sources.hikvision.simulator import CameraServer
from homelake.testing.clock import ManualClock
from tests.sources.hikvision.conftest import make_ctx

PASSWORD = "s3cret-pw"


@pytest.fixture
def clock(site: object) -> ManualClock:
    return ManualClock(site.start)  # type: ignore[attr-defined]


@pytest.fixture
def nvr(site: object, clock: ManualClock) -> Iterator[CameraServer]:
    server = CameraServer(site, CAMERAS[2], password=PASSWORD, clock=clock, tick_s=0.02).start()  # type: ignore[arg-type]
    yield server
    server.stop()


def _get(server: CameraServer, path: str, auth: httpx.Auth | None = None) -> httpx.Response:
    return httpx.get(server.url + path, auth=auth or httpx.DigestAuth("admin", PASSWORD), timeout=5)


def test_digest_is_required_and_basic_refused(nvr: CameraServer) -> None:
    refused = _get(nvr, "/ISAPI/System/deviceInfo", httpx.BasicAuth("admin", PASSWORD))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith('Digest realm="IP Camera(')
    assert _get(nvr, "/ISAPI/System/deviceInfo", httpx.DigestAuth("admin", "wrong")).status_code == 401
    assert _get(nvr, "/ISAPI/System/deviceInfo").status_code == 200


def test_isapi_answers_parse_into_rows(nvr: CameraServer) -> None:
    ctx = make_ctx("nvr")
    (info,) = parser.parse_device_info(_get(nvr, "/ISAPI/System/deviceInfo").content, ctx).rows
    assert (info["model"], info["device_type"], info["mac"]) == ("DS-7608NI-K2", "NVR", "c0:56:e3:76:08:01")
    (status,) = parser.parse_status(_get(nvr, "/ISAPI/System/status").content, ctx).rows
    assert status["uptime_s"] == 3 * 86400
    triggers = _get(nvr, "/ISAPI/Event/triggers").content
    assert parser.channels_of(triggers) == list(range(1, 9))
    assert {r["event_type"] for r in parser.parse_triggers(triggers, ctx).rows} == {"vmd", "videoloss"}
    (disk,) = parser.parse_storage(_get(nvr, "/ISAPI/ContentMgmt/Storage").content, ctx).rows
    assert not disk["is_error"]
    nvr.inject("sd_failure", 1 << 30)
    (disk,) = parser.parse_storage(_get(nvr, "/ISAPI/ContentMgmt/Storage").content, ctx).rows
    assert (disk["status"], disk["is_error"]) == ("error", True)


def test_snapshot_is_a_jpeg_of_the_scene_on_each_nvr_channel(nvr: CameraServer) -> None:
    for path in ("/ISAPI/Streaming/channels/101/picture", "/ISAPI/ContentMgmt/StreamingProxy/channels/801/picture"):
        reply = _get(nvr, path)
        assert reply.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(reply.content)).size == (640, 360)
    assert _get(nvr, "/ISAPI/Streaming/channels/901/picture").status_code == 404


def test_faults_503_and_401_then_recovery(nvr: CameraServer) -> None:
    nvr.inject("unavailable")
    assert _get(nvr, "/ISAPI/System/status").status_code == 503
    nvr.inject("unauthorized")
    assert _get(nvr, "/ISAPI/System/status").status_code == 401
    assert _get(nvr, "/ISAPI/System/status").status_code == 200


def _read_parts(server: CameraServer, clock: ManualClock, seconds: int, malformed: int = 0) -> list[object]:
    """Follow the stream in a thread while the clock moves `seconds` (one simulated second per 30 ms)."""
    ctx = make_ctx(server.cam.name)
    results: list[object] = []
    connected = threading.Event()

    def follow() -> None:
        url = server.url + "/ISAPI/Event/notification/alertStream"
        with httpx.stream("GET", url, auth=httpx.DigestAuth("admin", PASSWORD), timeout=5) as reply:
            boundary = boundary_of(reply.headers["Content-Type"])
            assert boundary == "boundary"
            stream = MultipartStream(boundary)
            connected.set()
            for chunk in reply.iter_raw():
                results.extend(parse_part(p, ctx) for p in stream.feed(chunk))

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert connected.wait(5)
    if malformed:
        server.inject("malformed", malformed)
    for _ in range(seconds):
        clock.t += timedelta(seconds=1)
        time.sleep(0.03)
    time.sleep(0.2)
    server.stop()  # ends the stream
    reader.join(5)
    return results


def test_stream_sends_heartbeats_and_the_scene_episodes(site: object, clock: ManualClock) -> None:
    start = site.start - timedelta(days=1)  # type: ignore[attr-defined]
    ep = next(e for e in episodes(site, start, site.start, "nvr") if e.event_type == "VMD")  # type: ignore[arg-type,attr-defined]
    clock.t = ep.start - timedelta(seconds=15)
    server = CameraServer(site, CAMERAS[2], password=PASSWORD, clock=clock, tick_s=0.01).start()  # type: ignore[arg-type]
    results = _read_parts(server, clock, 40, malformed=1)
    rows = [r for res in results for r in res.rows]  # type: ignore[attr-defined]
    rejects = [j for res in results for j in res.rejects]  # type: ignore[attr-defined]
    assert len(rejects) == 1  # the malformed part, dead-lettered; the stream went on
    beats = [r for r in rows if r["is_heartbeat"]]
    assert 2 <= len(beats) <= 4
    active = [r for r in rows if not r["is_heartbeat"] and r["event_state"] == "active"]
    assert active and active[0]["observed_at"] == ep.start
    assert {(r["event_type"], r["channel"], r["target_type"]) for r in active} == {("vmd", ep.channel, "human")}
