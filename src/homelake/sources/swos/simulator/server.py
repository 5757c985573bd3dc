"""A simulated SwOS Lite switch: `.b` endpoints over HTTP with Digest auth (RFC 7616, MD5, qop=auth) on loopback."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

from homelake.sim.model.poe_switch import PoeSwitch
from homelake.sources.swos.bformat import dumps
from homelake.sources.swos.simulator.payloads import ENDPOINTS

log = logging.getLogger(__name__)

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')
UNAUTHORIZED, SEE_OTHER, NOT_FOUND, OK = 401, 303, 404, 200


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class SwitchSimServer:
    """One switch on loopback. `expire_nonces()` makes every issued nonce stale (the next request gets
    `401 ... stale=true`, as a switch does after its nonce lifetime); `requests` counts answered GETs."""

    realm = "CSS610"

    def __init__(  # noqa: PLR0913 - the knobs of a simulated device, all keyword-only
        self,
        switch: PoeSwitch,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        clock: Callable[[], datetime] | None = None,
        nonce_ttl_s: float = 600.0,
    ) -> None:
        self.switch, self.host, self.port = switch, host, port
        self.username, self.password = username, password
        self.clock = clock or (lambda: datetime.now(UTC))
        self.nonce_ttl_s = nonce_ttl_s
        self.requests = 0
        self._nonces: dict[str, float] = {}  # nonce -> issued at (monotonic)
        self._stale: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the switch simulator is not running; call start() first")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> Self:
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, self.port), _make_handler(self))
            self._server.daemon_threads = True
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                            name="sim-swos", daemon=True)  # fmt: skip
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def expire_nonces(self) -> None:
        with self._lock:
            self._stale |= set(self._nonces)
            self._nonces.clear()

    def challenge(self, *, stale: bool = False) -> str:
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces[nonce] = time.monotonic()
        return (f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", algorithm=MD5'
                + (", stale=true" if stale else ""))  # fmt: skip

    def check(self, method: str, header: str | None) -> bool | None:
        """True: authorized; False: refused; None: a good answer to a stale nonce (ask again with a new one)."""
        if not header or not header.startswith("Digest "):
            return False
        params = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(header)}
        nonce = params.get("nonce", "")
        with self._lock:
            issued = self._nonces.get(nonce)
            if issued is not None and time.monotonic() - issued > self.nonce_ttl_s:
                self._stale.add(nonce)
                del self._nonces[nonce]
                issued = None
            stale = nonce in self._stale
        if params.get("username") != self.username or params.get("realm") != self.realm:
            return False
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop") == "auth":
            expected = _md5(f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}")
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        if not hmac.compare_digest(expected, params.get("response", "")):
            return False
        if stale:
            return None
        return issued is not None

    def answer(self, path: str) -> tuple[int, bytes]:
        render = ENDPOINTS.get(path)
        if render is None:  # the web UI's other pages: a real switch redirects to its index
            return SEE_OTHER, b""
        with self._lock:
            self.requests += 1
        return OK, dumps(render(self.switch, self.clock())).encode()


def _make_handler(sim: SwitchSimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "homelake-sim-swos"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            log.debug("swos sim: " + format, *args)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            verdict = sim.check(self.command, self.headers.get("Authorization"))
            if verdict is not True:
                challenge = sim.challenge(stale=verdict is None)
                self._send(UNAUTHORIZED, b"", {"WWW-Authenticate": challenge, "Content-Type": "text/plain"})
                return
            status, body = sim.answer(urlsplit(self.path).path)
            headers = {"Location": "/index.html"} if status == SEE_OTHER else {"Content-Type": "text/plain"}
            self._send(status, body, headers)

        do_POST = do_GET

    return Handler
