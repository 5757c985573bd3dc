"""Simulated Shelly devices: payload renderers and one HTTP server per device (Gen1 Basic, Gen2 Digest auth).

Gen1: `GET /shelly` (no auth), `/status`, `/settings`, `/cit/d`, and CoIoT (CoAP `cit/d`, `cit/s`) on UDP
5683 of the same address. Gen2: `GET /shelly` and `/rpc/Shelly.GetDeviceInfo` (no auth), `GET /rpc/<Method>?id=N`,
`POST /rpc` JSON-RPC frames, and JSON-RPC over a WebSocket on `GET /rpc` (Upgrade); with a password, HTTP
Digest (RFC 7616, SHA-256, realm = device id, user admin), or in a frame an `auth` object answering the
401 error frame's JSON challenge (HA2 = SHA256("dummy_method:dummy_uri")). While the device is offline it
answers nothing: the fleet closes its listener (connection refused) or the request hangs until
`timeout_delay_s` and is dropped. Over the WebSocket a Gen2 device pushes `NotifyStatus` deltas to its
client every `push_interval_s` of simulated time while the status changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from homelake.sim.model.shelly_devices import ShellyDevice
from homelake.sim.model.shelly_state import shelly_state
from homelake.sim.model.site import Site
from homelake.sim.servers.httpsim import CONTROL_PREFIX, SimHTTPServer, _Server
from homelake.sim.servers.websocket import is_upgrade
from homelake.sources.shelly import ids
from homelake.sources.shelly.gen1.coiot import COAP_PORT, CoapResponder, render_cit_d
from homelake.sources.shelly.gen1.simulator import render_gen1_settings, render_gen1_shelly, render_gen1_status
from homelake.sources.shelly.gen2.simulator import RpcError, render_gen2_info, render_gen2_status, rpc
from homelake.sources.shelly.gen2.websocket import serve_rpc_websocket

__all__ = ["ShellySimServer", "render_gen1_status", "render_gen2_status", "render_shelly_info", "render_status"]

log = logging.getLogger(__name__)
NONCE_TTL_S = 3600.0
WS_HA2 = hashlib.sha256(b"dummy_method:dummy_uri").hexdigest()  # what Gen2 devices hash for in-frame auth
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')
Answer = tuple[int, Any, dict[str, str]]  # status, JSON body (None: drop the connection), extra headers


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def render_shelly_info(site: Site, device: ShellyDevice | str, *, auth: bool = False) -> dict[str, Any]:
    """`GET /shelly` of a device (Gen1 identity, or Gen2 `Shelly.GetDeviceInfo`)."""
    st = shelly_state(site)
    dev = st.device(device)
    return render_gen1_shelly(st, dev, auth=auth) if dev.gen == 1 else render_gen2_info(st, dev, auth=auth)


def render_status(site: Site, device: ShellyDevice | str, t: datetime) -> dict[str, Any]:
    """The status a poll gets at t: Gen1 `/status` or Gen2 `Shelly.GetStatus`."""
    st = shelly_state(site)
    dev = st.device(device)
    ts = t.timestamp()
    return render_gen1_status(st, dev, ts) if dev.gen == 1 else render_gen2_status(st, dev, ts)


class ShellySimServer(SimHTTPServer):
    """One simulated Shelly on its own loopback address; faults via `/_sim/faults` as for every sim."""

    def __init__(  # noqa: PLR0913 - the simulated device and its knobs
        self,
        site: Site,
        device: ShellyDevice | str,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        password: str = "",
        clock: Callable[[], datetime] | None = None,
        fault_delay_s: float = 5.0,
        timeout_delay_s: float = 10.0,
        coap_port: int | None = COAP_PORT,
        push_interval_s: float = 5.0,
    ) -> None:
        super().__init__(host=host, port=port, username="admin", password=password, clock=clock,
                         fault_delay_s=fault_delay_s)  # fmt: skip
        self.state = shelly_state(site)
        self.device = self.state.device(device)
        self.realm = self.device.device_id
        self.timeout_delay_s = timeout_delay_s
        self.push_interval_s = push_interval_s  # simulated seconds between WebSocket status notifications
        self._nonces: dict[str, float] = {}
        self._nonce_lock = threading.Lock()
        self.coap_port = coap_port if self.device.gen == 1 else None
        self._coap: CoapResponder | None = None

    @property
    def url(self) -> str:
        port = self._server.server_address[1] if self._server is not None else self.port
        return f"http://{self.host}:{port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server((self.host, self.port), _make_handler(self), None)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"sim-shelly-{self.device.key}", daemon=True)  # fmt: skip
            self._thread.start()
        if self.coap_port is not None and self._coap is None:
            try:
                self._coap = CoapResponder(
                    self.state, self.device, self.host, clock=lambda: self.clock().timestamp(),
                    reachable=lambda t: self.state.offline_mode(self.device, t) is None, port=self.coap_port,
                )  # fmt: skip
            except OSError as exc:
                _no_coiot(self.device.device_id, self.host, self.coap_port, exc)
        return self

    def stop(self) -> None:
        if self._coap is not None:
            self._coap.close()
            self._coap = None
        super().stop()

    def sync(self, t: datetime) -> None:
        """Listen or not as the device is reachable at t (a sleeping sensor just drops requests)."""
        refused = self.state.offline_mode(self.device, t.timestamp()) == "refused" and not self.device.sleeper
        if refused and self.running:
            self.stop()
        elif not refused and not self.running:
            self.start()

    # --- auth -----------------------------------------------------------------------------------
    def _challenge(self) -> dict[str, str]:
        nonce = secrets.token_hex(8)
        with self._nonce_lock:
            now = time.monotonic()
            self._nonces = {n: at for n, at in self._nonces.items() if now - at < NONCE_TTL_S}
            self._nonces[nonce] = now
        header = f'Digest qop="auth", realm="{self.realm}", nonce="{nonce}", algorithm=SHA-256'
        return {"WWW-Authenticate": header}

    def _digest_ok(self, method: str, target: str, header: str | None) -> bool:
        if not header or not header.startswith("Digest "):
            return False
        fields = {m[0].lower(): m[1] or m[2] for m in _PARAM.findall(header[7:])}
        with self._nonce_lock:
            known = fields.get("nonce") in self._nonces
        if not known or fields.get("username") != "admin" or fields.get("uri") != target:
            return False
        if fields.get("algorithm", "SHA-256").upper() != "SHA-256" or fields.get("qop") != "auth":
            return False
        ha1 = _sha256(f"admin:{self.realm}:{self.password}")
        ha2 = _sha256(f"{method}:{target}")
        expected = _sha256(f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:auth:{ha2}")
        return hmac.compare_digest(expected, fields.get("response", ""))

    def _frame_challenge(self) -> str:
        """The JSON text of a 401 error frame's message: a digest challenge with a fresh nonce."""
        nonce = secrets.randbelow(2**31)
        with self._nonce_lock:
            self._nonces[str(nonce)] = time.monotonic()
        return json.dumps({"auth_type": "digest", "nonce": nonce, "nc": 1, "realm": self.realm,
                           "algorithm": "SHA-256"})  # fmt: skip

    def _frame_auth_ok(self, auth: object) -> bool:
        """An `auth` object of a JSON-RPC frame: response = SHA256(HA1:nonce:nc:cnonce:auth:HA2)."""
        if not isinstance(auth, dict):
            return False
        nonce = str(auth.get("nonce", ""))
        with self._nonce_lock:
            known = nonce in self._nonces and time.monotonic() - self._nonces[nonce] < NONCE_TTL_S
        if not known or auth.get("username") != "admin" or auth.get("realm") != self.realm:
            return False
        if str(auth.get("algorithm", "SHA-256")).upper() != "SHA-256":
            return False
        ha1 = _sha256(f"admin:{self.realm}:{self.password}")
        expected = _sha256(f"{ha1}:{nonce}:{auth.get('nc', 1)}:{auth.get('cnonce', '')}:auth:{WS_HA2}")
        return hmac.compare_digest(expected, str(auth.get("response", "")))

    def _allowed(self, method: str, target: str, headers: Message) -> bool:
        if not self.password:
            return True
        if self.device.gen == 1:
            return self._authorized(headers.get("Authorization"))
        return self._digest_ok(method, target, headers.get("Authorization"))

    def _denied(self) -> Answer:
        if self.device.gen == 1:
            return 401, {"error": 401, "message": "Unauthorized"}, {"WWW-Authenticate": 'Basic realm="shelly"'}
        return 401, {"code": 401, "message": "Unauthorized"}, self._challenge()

    # --- requests -------------------------------------------------------------------------------
    def answer(self, method: str, target: str, headers: Message, body: bytes) -> tuple[Answer, str | None]:
        """(status, body, headers) for one request and a transport fault (`truncated`, `malformed_json`)."""
        parts = urlsplit(target)
        if parts.path.startswith(CONTROL_PREFIX):
            status, reply = self._control(method, parts.path, body)
            return (status, reply, {}), None
        mode = self.state.offline_mode(self.device, self.clock().timestamp())
        if mode is not None:
            if mode == "timeout":
                self._stopping.wait(self.timeout_delay_s)
            return (0, None, {}), None
        fault = self.faults.take(parts.path)
        if fault == "timeout":
            self._stopping.wait(self.fault_delay_s)
        if fault == "unauthorized":
            return self._denied(), None
        if fault == "server_error":
            return (500, {"code": 500, "message": "Internal Server Error"}, {}), None
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return self._route(method, parts.path, target, query, headers, body), fault

    # One branch per endpoint of the device's HTTP API, in the order the firmware resolves them.
    def _route(  # noqa: PLR0911, PLR0913, PLR0917
        self, method: str, path: str, target: str, query: dict[str, str], headers: Message, body: bytes
    ) -> Answer:
        dev, now = self.device, self.clock().timestamp()
        auth = bool(self.password)
        if path == "/shelly":
            return 200, render_shelly_info(self.state.site, dev, auth=auth), {}
        if dev.gen == 1:
            if path not in ("/status", "/settings", "/cit/d"):
                return 404, {"error": 404, "message": "Not Found"}, {}
            if not self._allowed(method, target, headers):
                return self._denied()
            if path == "/status":
                return 200, render_gen1_status(self.state, dev, now), {}
            if path == "/cit/d":
                return 200, render_cit_d(dev), {}
            return 200, render_gen1_settings(self.state, dev, now, auth=auth), {}
        if path == "/rpc" and method == "POST":
            return self._envelope(target, headers, body, now)
        if not path.startswith("/rpc/"):
            return 404, {"code": 404, "message": f"No handler for {path}"}, {}
        name = path[len("/rpc/") :]
        if name.lower() != "shelly.getdeviceinfo" and not self._allowed(method, target, headers):
            return self._denied()
        try:
            return 200, rpc(self.state, dev, name, dict(query), now, auth=auth), {}
        except RpcError as exc:
            return (404 if exc.code == HTTPStatus.NOT_FOUND else 400), {"code": exc.code, "message": exc.message}, {}

    def _envelope(self, target: str, headers: Message, body: bytes, now: float) -> Answer:
        try:
            frame = json.loads(body or b"{}")
            if not isinstance(frame, dict) or not isinstance(frame.get("method"), str):
                raise ValueError("expected {id, method, params}")
        except ValueError as exc:
            return 400, {"code": -32700, "message": f"Parse error: {exc}"}, {}
        if self._allowed("POST", target, headers):
            return 200, self.rpc_frame(frame, now, authorized=True), {}
        reply = self.rpc_frame(frame, now, authorized=False)
        if reply.get("error", {}).get("code") == HTTPStatus.UNAUTHORIZED:
            status, _, extra = self._denied()
            return status, reply | {"error": {"code": 401, "message": "Unauthorized"}}, extra
        return 200, reply, {}

    def rpc_frame(self, frame: dict[str, Any], now: float, *, authorized: bool) -> dict[str, Any]:
        """The response frame to a JSON-RPC request frame (`authorized`: by the transport already)."""
        reply: dict[str, Any] = {"id": frame.get("id"), "src": self.device.device_id}
        if frame.get("src") is not None:
            reply["dst"] = frame["src"]
        name = str(frame.get("method"))
        open_method = name.lower() == "shelly.getdeviceinfo" or not self.password
        if not (authorized or open_method or self._frame_auth_ok(frame.get("auth"))):
            return reply | {"error": {"code": 401, "message": self._frame_challenge()}}
        raw_params = frame.get("params")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        try:
            return reply | {"result": rpc(self.state, self.device, name, params, now, auth=bool(self.password))}
        except RpcError as exc:
            return reply | {"error": {"code": exc.code, "message": exc.message}}


def _make_handler(sim: ShellySimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 60
        server_version = "homelake-sim-shelly"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            if sim.device.gen >= ids.FIRST_RPC_GEN and is_upgrade(self.headers) and urlsplit(self.path).path == "/rpc":
                serve_rpc_websocket(sim, self)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            (status, reply, extra), fault = sim.answer(self.command, self.path, self.headers, body)
            if reply is None:  # offline: no answer at all
                self.close_connection = True
                return
            data = json.dumps(reply, separators=(",", ":")).encode()
            if fault == "malformed_json" and status == HTTPStatus.OK:
                data = data[:-1] + b",}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data[: len(data) // 2] if fault == "truncated" else data)
            if fault == "truncated":
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


_coiot_unavailable_said = threading.Event()


def _no_coiot(device_id: str, host: str, port: int, exc: OSError) -> None:
    """Said once per process, plainly; each device's own failure only at debug (the demo has seven Gen1s)."""
    log.debug("%s: no CoIoT on %s:%s: %s", device_id, host, port, exc)
    if _coiot_unavailable_said.is_set():
        return
    _coiot_unavailable_said.set()
    log.warning(
        "simulated Shelly Gen1 devices answer without CoIoT: UDP %s on their addresses is unavailable (%s; another "
        "simulator or a CoIoT listener holds it). homelake polls them over HTTP, so nothing is missing; only CoIoT "
        "clients (e.g. aioshelly) see no push updates",
        port,
        exc.strerror or exc,
    )
