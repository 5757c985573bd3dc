"""One persistent QoS 1 subscription on a broker: connect, subscribe, read, acknowledge on demand, reconnect.

One thread owns the connection and does all of its I/O (a TLS socket must not be read and written from
two threads at once). It hands every read's PUBLISH packets to `on_messages` in one call, which may block:
that is the back-pressure, the broker keeps the rest. `ack()` may be called from any thread (the writer,
once a batch is durable): it queues the packet ids and wakes the connection thread, which sends all queued
PUBACKs in one write. Packet ids are only valid on the connection that delivered them, so every delivery
carries the connection's generation and `ack()` ignores ids from an earlier one (the broker redelivers
those on the new session anyway). Reconnects back off (`reconnect.ReconnectPolicy`), much longer when
another client with the same client id keeps taking the session over.
"""

from __future__ import annotations

import logging
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from homelake.runtime.mqtt import wire
from homelake.runtime.mqtt.reconnect import Ending, ReconnectPolicy

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
    tls: ssl.SSLContext | None = None  # None: plain TCP
    connect_timeout_s: float = 10.0
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 10.0
    takeover_backoff_max_s: float = 300.0  # the longest wait when another client keeps taking our session over
    stable_after_s: float = 60.0  # a connection that held this long resets the back-off when it ends


class BrokerClosed(ConnectionError):
    """The broker ended an accepted connection: closed the socket or sent DISCONNECT."""


class SessionTakenOver(BrokerClosed):
    """MQTT 5 DISCONNECT 0x8E: another connection with the same client id took the session."""


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
        self._lock = threading.Lock()  # guards _sock, _generation and _pending_acks
        self._sock: socket.socket | None = None
        self._generation = 0
        self._pending_acks: list[int] = []
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
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
        """Send what is queued, disconnect cleanly (the session and its queue stay on the broker), end."""
        self._stop.set()
        self._wake()
        self._thread.join(timeout)
        if not self._thread.is_alive():  # the I/O thread is done with the wake-up pair
            self._wake_r.close()
            self._wake_w.close()

    def ack(self, packet_ids: list[int], generation: int) -> int:
        """Queue PUBACKs for these ids if they came on the current connection; returns how many."""
        if not packet_ids:
            return 0
        with self._lock:
            if self._sock is None or generation != self._generation:
                return 0
            self._pending_acks.extend(packet_ids)
        self._wake()
        return len(packet_ids)

    def keepalive_tick(self) -> None:
        """For a consumer blocked in `on_messages` (back-pressure): send the queued PUBACKs and, when due,
        a PINGREQ, so that a long stall neither holds back acknowledgements nor gets the session dropped.
        From any other thread it only wakes the connection thread."""
        if threading.current_thread() is not self._thread:
            self._wake()
            return
        sock = self._sock
        if sock is not None:
            try:
                self._flush(sock)
            except OSError as exc:
                log.warning("mqtt send failed (%s); the connection will be re-established", exc)
                self._shutdown(sock)

    # -- connection thread --------------------------------------------------------------------------
    def _run(self) -> None:  # noqa: PLR0912 - the connection's whole life (connect, select loop, back-off) in one place
        cfg = self.cfg
        policy = ReconnectPolicy(
            cfg.reconnect_min_s, cfg.reconnect_max_s, cfg.takeover_backoff_max_s, cfg.stable_after_s
        )
        while not self._stop.is_set():
            sock: socket.socket | None = None
            ending, up_s, problem = Ending.OTHER, None, ""
            try:
                sock, reader, early = self._connect()
                if sock is not None:
                    up_at = time.monotonic()
                    try:
                        self._read(sock, reader, early)
                    finally:
                        up_s = time.monotonic() - up_at
            except SessionTakenOver as exc:
                ending, problem = Ending.TAKEN_OVER, str(exc)
            except BrokerClosed as exc:
                ending, problem = Ending.BROKER_CLOSED, str(exc)
            except (OSError, wire.ProtocolError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except Exception:  # a bug in a callback: say so loudly, but keep the subscription alive
                log.exception("mqtt subscriber error (client_id=%s)", cfg.client_id)
            finally:
                was_up = self._close(sock)
                if was_up:
                    self.on_connection(False)
            if self._stop.is_set():
                break
            delay, taken_over = policy.after(ending, up_s)
            if taken_over:
                log.warning(
                    "mqtt session of client_id=%s on %s:%s %s: two clients seem to share this client id (give "
                    "each instance its own); backing off, reconnecting in %.0f s",
                    cfg.client_id,
                    cfg.host,
                    cfg.port,
                    "was taken over by another connection with the same client id"
                    if ending is Ending.TAKEN_OVER
                    else f"was closed by the broker {policy.broker_closes} times in a row soon after it was accepted",
                    delay,
                )
            elif problem and up_s is None:  # never connected: say so, not "lost"
                log.warning(
                    "mqtt cannot connect to %s:%s (%s); is the broker running, and are mqtt.host/mqtt.port in the "
                    "site file right? retrying in %.0f s",
                    cfg.host,
                    cfg.port,
                    problem,
                    delay,
                )
            elif problem:
                log.warning(
                    "mqtt connection to %s:%s lost: %s; reconnecting in %.0f s", cfg.host, cfg.port, problem, delay
                )
            else:
                log.info("mqtt reconnecting to %s:%s in %.0f s", cfg.host, cfg.port, delay)
            if self._stop.wait(delay):
                break

    def _connect(self) -> tuple[socket.socket | None, wire.PacketReader, list[wire.Publish]]:
        cfg = self.cfg
        reader = wire.PacketReader(cfg.protocol)
        sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if cfg.tls is not None:
                sock = cfg.tls.wrap_socket(sock, server_hostname=cfg.host)
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
        sock.settimeout(cfg.connect_timeout_s)  # bounds a send to a broker that stopped reading
        sock.sendall(wire.encode_subscribe(1, cfg.filters, protocol=cfg.protocol))
        self._last_send = time.monotonic()
        with self._lock:
            self._sock = sock
            self._generation += 1
            self._pending_acks.clear()
        log.info(
            "mqtt connected host=%s port=%s tls=%s client_id=%s protocol=%s session_present=%s filters=%d",
            cfg.host,
            cfg.port,
            cfg.tls is not None,
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
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        tick = min(1.0, max(0.1, self._keepalive_s / 4))
        last_rx = time.monotonic()
        try:
            while not self._stop.is_set():
                # a TLS socket can hold decrypted bytes the selector does not see
                pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
                events = [] if pending else selector.select(tick)
                self._drain_wake()
                self._flush(sock)
                if not pending and not any(key.fileobj is sock for key, _ in events):
                    if time.monotonic() - last_rx > 1.5 * self._keepalive_s:
                        raise TimeoutError(f"nothing heard from the broker for {1.5 * self._keepalive_s:.0f} s")
                    continue
                data = sock.recv(READ_SIZE)
                if not data:
                    raise BrokerClosed("the broker closed the connection")
                last_rx = time.monotonic()
                publishes, others = reader.feed(data)
                for kind, _flags, body in others:
                    self._control(kind, body)
                if publishes:
                    self.on_messages(publishes, generation)
        finally:
            selector.close()
        self._flush(sock)  # stopping: what the writer acknowledged last goes out before DISCONNECT

    def _flush(self, sock: socket.socket) -> None:
        """Send the queued PUBACKs, and a PINGREQ when nothing was sent for half the keepalive."""
        with self._lock:
            ids, self._pending_acks = self._pending_acks, []
        out = wire.encode_pubacks(ids)
        if time.monotonic() - self._last_send >= self._keepalive_s / 2:
            out += wire.PINGREQ_PACKET
        if out:
            sock.sendall(out)
            self._last_send = time.monotonic()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # already awake (buffer full) or closed at exit

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _control(self, kind: int, body: bytes) -> None:
        if kind == wire.SUBACK:
            _, codes = wire.decode_suback(body, self.cfg.protocol)
            refused = [f for f, code in zip(self.cfg.filters, codes, strict=False) if code >= wire.SUBACK_FAILURE]
            if refused:
                log.error("mqtt broker refused the subscriptions %s", ", ".join(refused))
        elif kind == wire.DISCONNECT:
            reason = wire.decode_disconnect(body)
            if reason == wire.SESSION_TAKEN_OVER:
                raise SessionTakenOver("the broker disconnected us: session taken over (reason code 0x8e)")
            raise BrokerClosed(f"the broker disconnected us (reason code {reason:#x})")
        elif kind != wire.PINGRESP:
            log.debug("mqtt ignoring packet type %d", kind)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _close(self, sock: socket.socket | None) -> bool:
        if sock is None:
            return False
        with self._lock:
            was_up = self._sock is sock
            self._sock = None
            self._pending_acks.clear()
        if self._stop.is_set():
            try:
                sock.sendall(wire.DISCONNECT_PACKET)
            except OSError:
                pass
        sock.close()
        return was_up
