"""A minimal server side of RFC 6455 WebSockets on a stdlib HTTP handler: the upgrade handshake and
text messages (fragments reassembled, pings answered, close echoed). Enough for JSON-RPC devices."""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
from http.server import BaseHTTPRequestHandler
from io import BufferedIOBase
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 1 << 20  # a device's RPC frames are small; anything larger closes the connection (1009)
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketClosed(Exception):
    """The peer closed the connection, or broke the protocol (then we closed it)."""


def accept_key(key: str) -> str:
    """`Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def is_upgrade(headers: Any) -> bool:
    """True for a WebSocket upgrade request (`Upgrade: websocket`, `Connection: ... upgrade`)."""
    connection = {part.strip().lower() for part in (headers.get("Connection") or "").split(",")}
    return (headers.get("Upgrade") or "").lower() == "websocket" and "upgrade" in connection


def handshake(handler: BaseHTTPRequestHandler) -> WebSocket | None:
    """Answer the upgrade with 101 and return the connection; a bad request gets 400 and None."""
    key = handler.headers.get("Sec-WebSocket-Key") or ""
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        valid = False
    if handler.command != "GET" or not valid or handler.headers.get("Sec-WebSocket-Version") != "13":
        handler.send_response(400)
        handler.send_header("Sec-WebSocket-Version", "13")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        handler.close_connection = True
        return None
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept_key(key))
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True  # after the WebSocket ends, the HTTP connection is done too
    return WebSocket(handler.rfile, handler.wfile)


class WebSocket:
    """The server end of an open WebSocket: `receive()` the next text message, `send()` one. One thread
    receives; any thread may send (writes are serialized, and nothing is sent after our close frame)."""

    def __init__(self, rfile: BufferedIOBase, wfile: BufferedIOBase) -> None:
        self.rfile, self.wfile = rfile, wfile
        self.closed = False
        self._write_lock = threading.Lock()

    def _read(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) < n:
            raise WebSocketClosed("connection lost")
        return data

    def _frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read(2)
        fin, opcode, masked, length = bool(first & 0x80), first & 0x0F, bool(second & 0x80), second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        if first & 0x70 or not masked:  # no extensions were negotiated; client frames must be masked
            self.close(1002)
            raise WebSocketClosed("protocol error")
        if length > MAX_MESSAGE:
            self.close(1009)
            raise WebSocketClosed("message too big")
        mask = self._read(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(length)))
        return fin, opcode, payload

    def receive(self) -> str:
        """The next text (or binary, decoded as UTF-8) message; raises WebSocketClosed at the end."""
        parts: list[bytes] = []
        while True:
            fin, opcode, payload = self._frame()
            if opcode == PING:
                self._send(PONG, payload)
            elif opcode == CLOSE:
                code = payload[:2] if len(payload) >= 2 else struct.pack("!H", 1000)
                self.close(struct.unpack("!H", code)[0])  # echoed, unless we closed first
                raise WebSocketClosed("closed by the peer")
            elif opcode in (TEXT, BINARY, CONTINUATION) and (opcode == CONTINUATION) == bool(parts):
                parts.append(payload)
                if sum(map(len, parts)) > MAX_MESSAGE:
                    self.close(1009)
                    raise WebSocketClosed("message too big")
                if fin:
                    try:
                        return b"".join(parts).decode()
                    except UnicodeDecodeError:
                        self.close(1007)
                        raise WebSocketClosed("invalid UTF-8") from None
            elif opcode != PONG:
                self.close(1002)
                raise WebSocketClosed(f"unexpected opcode {opcode}")

    def _send(self, opcode: int, payload: bytes) -> None:
        """Write one frame; raises WebSocketClosed once our close frame is out (the close is the last)."""
        n = len(payload)
        header = bytes([0x80 | opcode]) + (
            bytes([n]) if n < 126 else struct.pack("!BH", 126, n) if n < 65536 else struct.pack("!BQ", 127, n)
        )
        with self._write_lock:
            if self.closed:
                raise WebSocketClosed("closed")
            if opcode == CLOSE:
                self.closed = True
            self.wfile.write(header + payload)
            self.wfile.flush()

    def send(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def close(self, code: int = 1000) -> None:
        try:
            self._send(CLOSE, struct.pack("!H", code))
        except (OSError, WebSocketClosed):
            pass
