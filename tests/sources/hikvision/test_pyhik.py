"""pyHik (PyPI `pyhik`, unmodified, the library behind Home Assistant's integration) against the camera simulator."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from pyhik.hikvision import HikCamera

from homelake.sim.model.camera_scene import CAMERAS, episodes
from homelake.sources.hikvision.simulator import CameraServer
from homelake.testing.clock import ManualClock

PASSWORD = "pyhik-pw"
SIM_SECOND_S = 0.03  # real seconds per simulated second while the test moves the clock


def _advance(clock: ManualClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.t += timedelta(seconds=1)
        time.sleep(SIM_SECOND_S)


def _wait(predicate: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_pyhik_reads_the_camera_and_its_motion_events(site: object) -> None:
    front = CAMERAS[0]
    ep = next(e for e in episodes(site, site.start - timedelta(days=2), site.start, front.name))  # type: ignore[arg-type,attr-defined]
    clock = ManualClock(ep.start - timedelta(seconds=20))
    server = CameraServer(site, front, password=PASSWORD, clock=clock, tick_s=0.01).start()  # type: ignore[arg-type]
    cam = HikCamera(host="http://127.0.0.1", port=server.port, usr="admin", pwd=PASSWORD)
    try:
        # device info and triggers, read over Digest after Basic was refused (pyHik tries Basic first)
        assert cam.get_name == "cam-front"
        assert cam.get_id == "48a1b2c3-d4e5-11ee-8000-c056e3104301"
        assert cam.get_type == "CAM"  # one channel: not an NVR
        assert sorted(cam.current_event_states) == ["Motion"]  # videoloss is the heartbeat, never a sensor
        # a short watchdog (pyHik's is 300 s) that the 10 s heartbeats must keep satisfied
        fired = threading.Event()
        cam.watchdog.time = 1.5  # real seconds; heartbeats come every 0.3 s here, with room for a loaded machine
        cam.watchdog.handler = lambda: (fired.set(), cam.watchdog_handler())
        changes: list[bool] = []
        sensor = f"{cam.get_id}.Motion.1"
        cam.add_update_callback(lambda _msg: changes.append(cam.fetch_attributes("Motion", 1)[0]), sensor)
        cam.start_stream()
        assert _wait(lambda: server.streams_opened == 1)
        _advance(clock, 20 + int((ep.end - ep.start).total_seconds()) + 15)
        # motion goes on, then off (pyHik may first report the sensor's idle state: a leading False is no event)
        assert _wait(lambda: True in changes and False in changes[changes.index(True) :]), changes
        assert not fired.is_set(), "pyHik's watchdog fired although heartbeats came every 10 s"
        assert server.streams_opened == 1  # no reconnect
        # the negative control: a silently stalled stream starves the same watchdog
        server.inject("stall", 1 << 30)
        _advance(clock, 60)
        assert _wait(fired.is_set, 5.0)
    finally:
        cam.kill_thrd.set()
        server.clear()
        _advance(clock, 11)  # a heartbeat lets the stream thread see the stop
        if cam.thrd.ident is not None:
            cam.thrd.join(5)
        server.stop()
    assert not cam.thrd.is_alive()
