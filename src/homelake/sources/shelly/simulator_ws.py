"""Gen2 JSON-RPC over a WebSocket (`ws://<device>/rpc`), as Home Assistant and the Shelly app use it: one
request frame per text message, answered with the same frames as `POST /rpc`; auth travels in each frame
(a 401 error frame carries the digest challenge as JSON text in its message)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from homelake.sim.websocket import WebSocketClosed, handshake

if TYPE_CHECKING:
    from homelake.sources.shelly.simulator import ShellySimServer


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
        try:
            ws.send(json.dumps(reply, separators=(",", ":")))
        except OSError:
            return
