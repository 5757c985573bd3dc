"""One persistent QoS 1 subscription on a broker: connect, subscribe, read, acknowledge on demand, reconnect.

The connection thread hands every socket read's PUBLISH packets to `on_messages` in one call (which may
block: that is the back-pressure, the broker keeps the rest). Acknowledgements are sent by whoever calls
`ack()` (the writer thread, once a batch is durable), many PUBACKs in one write. Packet ids are only valid
on the connection that delivered them, so every delivery carries the connection's generation and `ack()`
ignores ids from an earlier one (the broker redelivers those on the new session anyway).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from homelake.runtime.mqtt import wire

log = logging.getLogger(__name__)
READ_SIZE = 256 * 1024


@dataclass(frozen=True)
class SubscriberConfig:
    host: str
    port: int
    client_id: str
    filters: list[str]
    protocol: wire.Protocol = "5"
    keepalive_s: int = 60
    session_expiry_s: int = 7 * 24 * 3600
    username: str | None = None
    password: str | None = None
    connect_timeout_s: float = 10.0
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 10.0


class Subscriber:
    def __init__(
        self,
        cfg: SubscriberConfig,
        on_messages: Callable[[list[wire.Publish], int], None],
        *,
        on_connection: Callable[[bool], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.on_messages = on_messages
        self.on_connection = on_connection or (lambda _up: None)
        self._stop = threading.Event()
        self._send_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._generation = 0
        self._keepalive_s = float(cfg.keepalive_s)
        self._last_send = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="mqtt-subscriber", daemon=True)

    # -- public -------------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._generation

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect cleanly (the session and its queue stay on the broker) and end the thread."""
        self._stop.set()
        self._thread.join(timeout)

    def ack(self, packet_ids: list[int], generation: int) -> int:
        """PUBACK these ids if they came on the current connection; returns how many were sent."""
        if not packet_ids:
            return 0
        with self._send_lock:
            if self._sock is None or generation != self._generation:
                return 0
            try:
                self._sock.sendall(wire.encode_pubacks(packet_ids))
            except OSError as exc:
                log.warning("mqtt acknowledgement not sent (%s); the broker will redeliver", exc)
                self._shutdown_socket()
                return 0
            self._last_send = time.monotonic()
        return len(packet_ids)

    def keepalive_tick(self) -> None:
        """Send a PINGREQ if nothing was sent for a while. Called by the reader, and by a blocked
        `on_messages` (back-pressure) so that a long stall does not make the broker drop us."""
        if time.monotonic() - self._last_send < self._keepalive_s / 2:
            return
        with self._send_lock:
            if self._sock is None:
                return
            try:
                self._sock.sendall(wire.PINGREQ_PACKET)
            except OSError:
                self._shutdown_socket()
                return
            self._last_send = time.monotonic()

    # -- connection thread --------------------------------------------------------------------------
    def _run(self) -> None:
        delay = self.cfg.reconnect_min_s
        while not self._stop.is_set():
            sock: socket.socket | None = None
            try:
                sock, reader, early = self._connect()
                if sock is not None:
                    delay = self.cfg.reconnect_min_s
                    self._read(sock, reader, early)
            except (OSError, wire.ProtocolError) as exc:
                if not self._stop.is_set():
                    log.warning(
                        "mqtt connection to %s:%s lost: %s: %s; reconnecting in %.0f s",
                        self.cfg.host,
                        self.cfg.port,
                        type(exc).__name__,
                        exc,
                        delay,
                    )
            except Exception:  # a bug in a callback: say so loudly, but keep the subscription alive
                log.exception("mqtt subscriber error; reconnecting in %.0f s", delay)
            finally:
                was_up = self._close(sock)
                if was_up:
                    self.on_connection(False)
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self.cfg.reconnect_max_s)

    def _connect(self) -> tuple[socket.socket | None, wire.PacketReader, list[wire.Publish]]:
        cfg = self.cfg
        reader = wire.PacketReader(cfg.protocol)
        sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(
                wire.encode_connect(
                    cfg.client_id,
                    protocol=cfg.protocol,
                    keepalive_s=cfg.keepalive_s,
                    session_expiry_s=cfg.session_expiry_s,
                    username=cfg.username,
                    password=cfg.password,
                )
            )
            connack, early = self._await_connack(sock, reader)
        except BaseException:
            sock.close()
            raise
        if not connack.accepted:
            sock.close()
            log.error(
                "mqtt connect refused by %s:%s for client_id=%s: %s",
                cfg.host,
                cfg.port,
                cfg.client_id,
                connack.reason,
            )
            return None, reader, []
        self._keepalive_s = float(connack.server_keepalive_s or cfg.keepalive_s)
        sock.settimeout(min(1.0, max(0.1, self._keepalive_s / 4)))
        with self._send_lock:
            self._sock = sock
            self._generation += 1
            sock.sendall(wire.encode_subscribe(1, cfg.filters, protocol=cfg.protocol))
            self._last_send = time.monotonic()
        log.info(
            "mqtt connected host=%s port=%s client_id=%s protocol=%s session_present=%s filters=%d",
            cfg.host,
            cfg.port,
            cfg.client_id,
            cfg.protocol,
            connack.session_present,
            len(cfg.filters),
        )
        self.on_connection(True)
        return sock, reader, early

    def _await_connack(self, sock: socket.socket, reader: wire.PacketReader) -> tuple[wire.ConnAck, list[wire.Publish]]:
        """The CONNACK, and the PUBLISH packets that came in the same read: a session with queued
        messages gets them right behind its CONNACK (the broker must send CONNACK first)."""
        deadline = time.monotonic() + self.cfg.connect_timeout_s
        while True:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = sock.recv(READ_SIZE)
            if not data:
                raise ConnectionError("the broker closed the connection before CONNACK")
            publishes, others = reader.feed(data)
            if others and others[0][0] == wire.CONNACK:
                return wire.decode_connack(others[0][2], self.cfg.protocol), publishes
            if others:
                raise wire.ProtocolError(f"packet type {others[0][0]} before CONNACK")
            if publishes:
                raise wire.ProtocolError("PUBLISH before CONNACK")

    def _read(self, sock: socket.socket, reader: wire.PacketReader, early: list[wire.Publish]) -> None:
        generation = self._generation
        if early:
            self.on_messages(early, generation)
        last_rx = time.monotonic()
        while not self._stop.is_set():
            try:
                data = sock.recv(READ_SIZE)
            except TimeoutError:
                if time.monotonic() - last_rx > 1.5 * self._keepalive_s:
                    raise TimeoutError(f"nothing heard from the broker for {1.5 * self._keepalive_s:.0f} s") from None
                self.keepalive_tick()
                continue
            if not data:
                raise ConnectionError("the broker closed the connection")
            last_rx = time.monotonic()
            publishes, others = reader.feed(data)
            for kind, _flags, body in others:
                self._control(kind, body)
            if publishes:
                self.on_messages(publishes, generation)
            self.keepalive_tick()

    def _control(self, kind: int, body: bytes) -> None:
        if kind == wire.SUBACK:
            _, codes = wire.decode_suback(body, self.cfg.protocol)
            refused = [f for f, code in zip(self.cfg.filters, codes, strict=False) if code >= 0x80]
            if refused:
                log.error("mqtt broker refused the subscriptions %s", ", ".join(refused))
        elif kind == wire.DISCONNECT:
            raise ConnectionError(f"the broker disconnected us (reason code {wire.decode_disconnect(body):#x})")
        elif kind != wire.PINGRESP:
            log.debug("mqtt ignoring packet type %d", kind)

    def _shutdown_socket(self) -> None:
        """Called with the send lock held after a failed send: make the reader notice at once."""
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _close(self, sock: socket.socket | None) -> bool:
        if sock is None:
            return False
        with self._send_lock:
            was_up = self._sock is sock
            self._sock = None
            if self._stop.is_set():
                try:
                    sock.sendall(wire.DISCONNECT_PACKET)
                except OSError:
                    pass
        sock.close()
        return was_up
