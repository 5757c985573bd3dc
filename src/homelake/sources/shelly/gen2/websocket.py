"""Gen2 JSON-RPC over a WebSocket (`ws://<device>/rpc`), as Home Assistant and the Shelly app use it: one
request frame per text message, answered with the same frames as `POST /rpc`; auth travels in each frame
(a 401 error frame carries the digest challenge as JSON text in its message).

Like a real device, once the client has sent a request frame with a `src` (and, on a device with a
password, passed auth), the device pushes notification frames to that `dst` on the same socket: every
`push_interval_s` of the simulator's clock it compares the status with the last one sent to this client
and sends `NotifyStatus` with the changed fields of each changed component (`NotifyFullStatus` if a
component or field went away, which an overlay cannot express); nothing if nothing changed."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from homelake.sim.servers.websocket import WebSocket, WebSocketClosed, handshake
from homelake.sources.shelly.gen2.simulator import render_gen2_status

if TYPE_CHECKING:
    from homelake.sources.shelly.simulator.server import ShellySimServer

PUSH_POLL_S = 0.05  # wall-clock seconds between looks at the simulator's clock


def status_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """NotifyStatus params (without `ts`) that bring `old` to `new` when overlaid as aioshelly does:
    per changed component its changed fields (a changed nested object, like `aenergy`, whole, as devices
    send it), with the component's `id`; a new component whole. Removals are not expressible here."""
    delta: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if key in old and value == before:
            continue
        if isinstance(value, dict) and isinstance(before, dict):
            changed = {k: v for k, v in value.items() if k not in before or before[k] != v}
            delta[key] = ({"id": value["id"]} if "id" in value else {}) | changed
        else:
            delta[key] = value
    return delta


def _removes(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when a component, or a field of one, of `old` is gone from `new` (an overlay cannot remove)."""
    for key, before in old.items():
        if key not in new:
            return True
        after = new[key]
        if isinstance(before, dict) and isinstance(after, dict) and not before.keys() <= after.keys():
            return True
    return False


def push_frame(old: dict[str, Any], new: dict[str, Any], src: str, dst: str, ts: float) -> dict[str, Any] | None:
    """The notification frame a device sends when its status went from `old` to `new`; None if unchanged."""
    if old == new:
        return None
    if _removes(old, new):
        method, params = "NotifyFullStatus", dict(new)
    else:
        method, params = "NotifyStatus", status_delta(old, new)
    return {"src": src, "dst": dst, "method": method, "params": {"ts": round(ts, 2)} | params}


def _subscribes(sim: ShellySimServer, frame: dict[str, Any], reply: dict[str, Any]) -> bool:
    """A request frame that starts notifications: it has a `src` and, with a password, passed auth."""
    if not isinstance(frame.get("src"), str) or not frame["src"]:
        return False
    if reply.get("error", {}).get("code") == HTTPStatus.UNAUTHORIZED:
        return False
    return not sim.password or str(frame.get("method")).lower() != "shelly.getdeviceinfo"


class _Pusher:
    """Sends status notifications to one WebSocket client beside its receive loop, until `done`."""

    def __init__(self, sim: ShellySimServer, ws: WebSocket) -> None:
        self.sim, self.ws = sim, ws
        self.done = threading.Event()
        self._subscribed = threading.Event()
        self._dst = ""
        self._thread: threading.Thread | None = None

    def subscribe(self, dst: str, now: float) -> None:
        """The client's `src`, seen at simulated time `now`: start pushing (the baseline is the status then)."""
        self._dst = dst
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(now,), daemon=True,
                                            name=f"sim-shelly-push-{self.sim.device.key}")  # fmt: skip
            self._thread.start()

    def _run(self, since: float) -> None:
        sim, dev = self.sim, self.sim.device
        sent, checked = render_gen2_status(sim.state, dev, since), since
        while not self.done.wait(PUSH_POLL_S) and not sim._stopping.is_set():
            now = sim.clock().timestamp()
            if abs(now - checked) < sim.push_interval_s:
                continue
            checked = now
            if sim.state.offline_mode(dev, now) is not None:
                continue  # a device off the network pushes nothing
            status = render_gen2_status(sim.state, dev, now)
            frame = push_frame(sent, status, dev.device_id, self._dst, now)
            if frame is None:
                continue
            try:
                self.ws.send(json.dumps(frame, separators=(",", ":")))
            except (WebSocketClosed, OSError):
                return
            sent = status

    def stop(self) -> None:
        self.done.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def serve_rpc_websocket(sim: ShellySimServer, handler: BaseHTTPRequestHandler) -> None:
    """JSON-RPC over a WebSocket (`GET /rpc` with Upgrade), as Gen2 devices serve it; ends when the
    client closes, the device goes offline or the simulator stops."""
    mode = sim.state.offline_mode(sim.device, sim.clock().timestamp())
    if mode == "timeout":
        sim._stopping.wait(sim.timeout_delay_s)
    if mode is not None or (ws := handshake(handler)) is None:
        handler.close_connection = True
        return
    handler.connection.settimeout(None)  # stop() cuts the socket; clients keep it alive with pings
    pusher = _Pusher(sim, ws)
    try:
        _receive_loop(sim, ws, pusher)
    finally:
        pusher.stop()


def _receive_loop(sim: ShellySimServer, ws: WebSocket, pusher: _Pusher) -> None:
    while True:
        try:
            text = ws.receive()
        except (WebSocketClosed, OSError):
            return
        now = sim.clock().timestamp()
        if sim.state.offline_mode(sim.device, now) is not None:
            return  # a device that drops off the network just goes silent
        try:
            frame = json.loads(text)
            if not isinstance(frame, dict) or not isinstance(frame.get("method"), str):
                raise ValueError("expected {id, method, params}")
        except ValueError as exc:
            reply: dict[str, Any] = {"id": None, "src": sim.device.device_id,
                                     "error": {"code": -32700, "message": f"Parse error: {exc}"}}  # fmt: skip
        else:
            if frame.get("id") is None:
                continue  # a notification: no answer
            reply = sim.rpc_frame(frame, now, authorized=False)
            if _subscribes(sim, frame, reply):
                pusher.subscribe(frame["src"], now)
        try:
            ws.send(json.dumps(reply, separators=(",", ":")))
        except (WebSocketClosed, OSError):
            return
