"""Base for simulated HTTP(S) devices: a threaded stdlib server with Basic auth, TLS, faults and `/_sim/`."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import logging
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from homelake.sim.servers.faults import GENERIC_FAULTS, FaultPlan
from homelake.sim.servers.tls import make_self_signed

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sim"
MAX_FAULT_DELAY_S = 120.0
Reply = tuple[int, Any]  # HTTP status, JSON-serialisable body


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections so stop() can cut keep-alive sockets."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, tls: ssl.SSLContext | None) -> None:
        self.tls = tls
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:  # handshake later, in the request thread, so a slow client blocks nobody
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.connections_lock:
            self.connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("simulator connection from %s failed", client_address, exc_info=True)

    def cut_connections(self) -> None:
        with self.connections_lock:
            open_sockets = list(self.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SimHTTPServer:
    """A device simulator on loopback. Subclasses implement `handle()` and may extend `fault_kinds`."""

    api_prefix = "/rest"
    realm = "simulator"
    fault_kinds: dict[str, str | None] = GENERIC_FAULTS

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        tls: bool = False,
        clock: Callable[[], datetime] | None = None,
        fault_delay_s: float = 5.0,
    ) -> None:
        self.host, self.port, self.username, self.password, self.tls = host, port, username, password, tls
        self.clock = clock or (lambda: datetime.now(UTC))
        self.fault_delay_s = min(max(0.0, fault_delay_s), MAX_FAULT_DELAY_S)
        self.faults = FaultPlan(self.fault_kinds)
        self.cert_path: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # --- to implement -------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, fault: str | None) -> Reply:
        """Answer an authenticated API request; `path` is below `api_prefix`. `fault` is a non-generic
        armed fault kind for this request (or None)."""
        raise NotImplementedError

    def extra_headers(self, status: int) -> dict[str, str]:
        """Headers a subclass adds to a reply of `status` (e.g. `Retry-After` on a 429)."""
        return {}

    def error_body(self, status: int, message: str) -> Any:
        return {"error": status, "message": message}

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self._server.server_address[1]}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        context = None
        if self.tls:
            self._tmp = tempfile.TemporaryDirectory(prefix="homelake-sim-tls-")
            cert, key = make_self_signed(Path(self._tmp.name), self.host)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.cert_path = cert
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _make_handler(self), context)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"sim-{type(self).__name__}", daemon=True)  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes requests sleeping in a timeout fault
        server.shutdown()
        server.cut_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self.cert_path = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- request plumbing -----------------------------------------------------------------------
    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    def _control(self, method: str, path: str, body: bytes) -> Reply:
        if path.rstrip("/") != f"{CONTROL_PREFIX}/faults":
            return 404, {"error": "unknown control path; use /_sim/faults"}
        try:
            if method == "POST":
                spec = json.loads(body or b"{}")
                for item in spec if isinstance(spec, list) else [spec]:
                    self.faults.inject_json(item)
            elif method == "DELETE":
                self.faults.clear()
            elif method != "GET":
                return 405, {"error": f"{method} not allowed on /_sim/faults"}
        except ValueError as exc:
            return 400, {"error": str(exc)}
        return 200, {"faults": self.faults.pending(), "kinds": sorted(self.fault_kinds)}

    def _respond(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, bytes, str | None]:
        """(status, body bytes, fault applied to the transport: 'truncated' or None)."""
        parts = urlsplit(target)
        if parts.path.startswith(CONTROL_PREFIX):
            status, reply = self._control(method, parts.path, body)
            return status, _json(reply), None
        if not parts.path.startswith(self.api_prefix + "/"):
            return 404, _json(self.error_body(404, "Not Found")), None
        path = parts.path[len(self.api_prefix) :]
        fault = self.faults.take(path)
        if fault == "timeout":
            self._stopping.wait(self.fault_delay_s)
        if fault == "unauthorized" or not self._authorized(headers.get("Authorization")):
            return 401, _json(self.error_body(401, "Unauthorized")), None
        if fault == "server_error":
            return 500, _json(self.error_body(500, "Internal Server Error")), None
        query = parse_qsl(parts.query, keep_blank_values=True)
        status, reply = self.handle(method, path, query, body, None if fault in GENERIC_FAULTS else fault)
        data = _json(reply)
        if fault == "malformed_json" and status == 200:
            data = data[:-1] + b",]" if data.endswith(b"]") else data[:-1] + b",}"
        return status, data, "truncated" if fault == "truncated" else None


def _make_handler(sim: SimHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 60  # idle keep-alive connections are closed after this
        server_version = "homelake-sim"
        sys_version = ""

        def setup(self) -> None:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.settimeout(10)
                self.request.do_handshake()
            super().setup()

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("sim %s: " + format, sim.url if sim._server else "-", *args)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, data, transport_fault = sim._respond(self.command, self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", f'Basic realm="{sim.realm}"')
            for name, value in sim.extra_headers(status).items():
                self.send_header(name, value)
            self.end_headers()
            if transport_fault == "truncated":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler
