"""One simulated HikVision device on loopback: ISAPI over HTTP with Digest auth, the alertStream, snapshots, faults."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from homelake.sim.model.camera_scene import Camera, episodes
from homelake.sim.model.site import Site
from homelake.sources.hikvision.simulator import payloads
from homelake.sources.hikvision.simulator.digest import DigestAuth

log = logging.getLogger(__name__)
FAULTS = ("stall", "reset", "unauthorized", "unavailable", "malformed", "sd_failure")
_PICTURE = re.compile(r"^/ISAPI/(?:Streaming|ContentMgmt/StreamingProxy)/channels/(\d+)0(\d)/picture$")
_MOTION = b'<MotionDetection version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><enabled>true</enabled>'
_MOTION += b"</MotionDetection>"


EPISODE_WINDOW_S = 600.0  # the stream re-reads the scene's episodes this often (simulated seconds)


def _status_xml(code: int, text: str, sub: str) -> bytes:
    body = f"<statusCode>{code}</statusCode><statusString>{text}</statusString><subStatusCode>{sub}</subStatusCode>"
    return f'<ResponseStatus version="2.0" xmlns="{payloads.NS}">{body}</ResponseStatus>'.encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    streams: set[socket.socket]

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401 - stdlib signature
        log.debug("camera simulator connection from %s failed", client_address, exc_info=True)


class CameraServer:
    """An ISAPI device whose events and pictures come from the site's camera scene, at `clock()` time."""

    def __init__(  # noqa: PLR0913 - the device and its knobs
        self,
        site: Site,
        cam: Camera,
        *,
        password: str,
        username: str = "admin",
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] | None = None,
        tick_s: float = 0.1,
    ) -> None:
        self.site, self.cam, self.host, self.tick_s = site, cam, host, tick_s
        self.clock = clock or (lambda: datetime.now(UTC))
        self.auth = DigestAuth(username, password, realm=f"IP Camera({cam.mac[-5:].replace(':', '')})")
        self.boot = self.clock() - timedelta(days=3)
        self.faults: dict[str, int] = {}  # kind -> how many requests it still applies to (sticky ones: 1<<30)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.requests: list[str] = []  # paths asked, for tests
        self.streams_opened = 0  # authenticated alertStream connections
        self._server: _Server | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the camera simulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> CameraServer:
        self.stopping.clear()
        self._server = _Server((self.host, 0), _handler(self))
        self._server.streams = set()
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name=f"sim-hikvision-{self.cam.name}").start()  # fmt: skip
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        self.cut_streams(server)
        server.server_close()

    def cut_streams(self, server: _Server | None = None) -> None:
        for sock in list((server or self._server or _Server.__new__(_Server)).__dict__.get("streams", ())):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # --- faults ---------------------------------------------------------------------------------
    def inject(self, kind: str, count: int = 1) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        with self.lock:
            self.faults[kind] = count
        if kind == "reset":
            self.cut_streams()

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take(self, kind: str) -> bool:
        with self.lock:
            left = self.faults.get(kind, 0)
            if left <= 0:
                return False
            self.faults[kind] = left - 1
            return True

    def _active(self, kind: str) -> bool:
        with self.lock:
            return self.faults.get(kind, 0) > 0

    # --- answers --------------------------------------------------------------------------------
    def answer(self, path: str) -> tuple[int, str, bytes]:
        now = self.clock()
        xml: dict[str, Callable[[], bytes]] = {
            "/ISAPI/System/deviceInfo": lambda: payloads.device_info(self.cam),
            "/ISAPI/System/status": lambda: payloads.status(now, self.boot, 8 + now.minute % 7),
            "/ISAPI/Event/triggers": lambda: payloads.triggers(self.cam),
            "/ISAPI/ContentMgmt/Storage": lambda: payloads.storage(failed=self._active("sd_failure")),
            "/ISAPI/System/Video/inputs/channels/1/motionDetection": lambda: _MOTION,
        }
        if path in xml:
            return 200, "application/xml", xml[path]()
        match = _PICTURE.match(path)
        if match and 1 <= int(match[1]) <= self.cam.channels:
            return 200, "image/jpeg", payloads.snapshot(self.site, self.cam, int(match[1]), now)
        return 404, "application/xml", _status_xml(4, "Invalid Operation", "notSupport")

    def stream(self, write: Callable[[bytes], None]) -> None:
        """Write alert parts as the clock moves until the client leaves or the simulator stops."""
        last = self.clock()
        window: tuple[datetime, list[Any]] | None = None
        while not self.stopping.wait(self.tick_s):
            now = self.clock()
            if window is None or abs((now - window[0]).total_seconds()) > EPISODE_WINDOW_S:
                window = (
                    now,
                    episodes(self.site, now - timedelta(hours=1), now + timedelta(minutes=20), self.cam.name),
                )
            if self._active("stall"):  # silently sends nothing, the connection stays open
                last = now
                continue
            for _, body in payloads.stream_parts(self.cam, window[1], last, now):
                broken = body[: len(body) // 2] if self._take("malformed") else body
                write(payloads.part(broken))
            last = now


def _handler(sim: CameraServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "App-webs/"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ANN401 - stdlib signature
            return

        def _send(self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            spec = json.loads(self.rfile.read(length) or b"{}")
            try:
                sim.inject(str(spec.get("kind")), int(spec.get("count", 1)))
            except ValueError as exc:
                self._send(400, "application/json", json.dumps({"error": str(exc)}).encode())
                return
            self._send(200, "application/json", b'{"ok":true}')

        def do_DELETE(self) -> None:
            sim.clear()
            self._send(200, "application/json", b'{"ok":true}')

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            sim.requests.append(path)
            if sim._take("unavailable"):
                self._send(503, "application/xml", _status_xml(2, "Device Busy", "deviceBusy"))
                return
            if not sim.auth.check("GET", self.headers.get("Authorization")) or sim._take("unauthorized"):
                body = _status_xml(4, "Invalid Operation", "unAuthorization")
                self._send(401, "application/xml", body, {"WWW-Authenticate": sim.auth.challenge()})
                return
            if path == "/ISAPI/Event/notification/alertStream":
                self._stream()
                return
            self._send(*sim.answer(path))

        def _stream(self) -> None:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/mixed; boundary={payloads.BOUNDARY}")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            server: _Server = self.server  # type: ignore[assignment]  # always our _Server
            server.streams.add(self.connection)
            sim.streams_opened += 1

            def write(data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()

            try:
                sim.stream(write)
            except OSError:
                pass  # the client went away or the connection was reset on purpose
            finally:
                server.streams.discard(self.connection)

    return Handler
