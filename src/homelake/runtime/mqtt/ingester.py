"""At-least-once MQTT → Parquet: QoS 1 on a persistent session, acknowledged only after a durable write."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.batches import ARCHIVE, Message, Rows, route_messages, write_rows
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.metrics import IngestMetrics
from homelake.runtime.mqtt.parse_worker import ParseProcess
from homelake.runtime.mqtt.routing import Router

log = logging.getLogger(__name__)
MAX_PENDING_BATCHES = 4  # archived batches waiting for the parse process before reading pauses


@dataclass(slots=True)
class Inbound:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    mid: int
    generation: int  # which connection delivered it: a mid is only valid on its own connection
    received_at: datetime


class Ingester:
    """One MQTT connection (paho network thread) feeding one writer thread through a bounded queue.

    Back-pressure: when the writer falls behind, the queue fills and the network thread blocks in
    `on_message`, so the broker keeps the rest; nothing is dropped and memory stays bounded.
    """

    def __init__(
        self,
        cfg: MqttConfig,
        lake: LakeWriter,
        *,
        password: str | None = None,
        local_tz: tzinfo = UTC,
        collector: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.cfg = cfg
        self.lake = lake
        self.collector = collector or cfg.client_id
        self.clock = clock or (lambda: datetime.now(UTC))  # injectable: tests drive simulated weeks
        self.router = Router(cfg.topics, collector=self.collector, local_tz=local_tz)
        self.queue: queue.Queue[Inbound] = queue.Queue(maxsize=cfg.queue_max)
        self.metrics = IngestMetrics(queue_depth=self.queue.qsize)
        self._stop = threading.Event()
        self._generation = 0
        self._writer = threading.Thread(target=self._write_loop, name="lake-writer", daemon=True)
        self.parse = ParseProcess(cfg.topics, lake.root, self.collector, local_tz) if cfg.parse_process else None
        v5 = cfg.protocol == "5"
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=cfg.client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            clean_session=None if v5 else False,
            manual_ack=True,
        )
        if cfg.username:
            self.client.username_pw_set(cfg.username, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.max_inflight_messages_set(65535)

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        if self.parse is not None:
            self.parse.start()
        self._writer.start()
        if self.cfg.protocol == "5":
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.cfg.session_expiry_s
            props.ReceiveMaximum = 65535
            self.client.connect_async(
                self.cfg.host, self.cfg.port, keepalive=self.cfg.keepalive_s, clean_start=False, properties=props
            )
        else:
            self.client.connect_async(self.cfg.host, self.cfg.port, keepalive=self.cfg.keepalive_s)
        self.client.loop_start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write and acknowledge what was received, then disconnect (the session stays on the broker)."""
        self._stop.set()
        self._writer.join(timeout)
        if self.parse is not None:
            self.parse.close()
        self.client.disconnect()
        self.client.loop_stop()

    # -- paho callbacks (network thread) ------------------------------------------
    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("mqtt connect refused host=%s port=%s reason=%s", self.cfg.host, self.cfg.port, reason)
            return
        self._generation += 1
        with self.metrics.lock:
            self.metrics.connected = True
        v5 = self.cfg.protocol == "5"
        subs = [(f, SubscribeOptions(qos=1) if v5 else 1) for f in self.cfg.subscriptions()]
        client.subscribe(subs)
        log.info(
            "mqtt connected host=%s port=%s client_id=%s session_present=%s filters=%d",
            self.cfg.host,
            self.cfg.port,
            self.cfg.client_id,
            flags.session_present,
            len(subs),
        )

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self.metrics.lock:
            self.metrics.connected = False
        if not self._stop.is_set():
            log.warning("mqtt disconnected reason=%s; reconnecting", reason)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        item = Inbound(
            msg.topic,
            msg.payload,
            msg.qos,
            bool(msg.retain),
            bool(msg.dup),
            msg.mid,
            self._generation,
            self.clock(),
        )
        while True:  # block (back-pressure) but stay stoppable
            try:
                self.queue.put(item, timeout=0.5)
                break
            except queue.Full:
                if self._stop.is_set():
                    return  # not acknowledged: the broker redelivers it to the next session
        with self.metrics.lock:
            self.metrics.received += 1

    # -- writer thread ------------------------------------------------------------
    def _next_batch(self) -> list[Inbound]:
        batch: list[Inbound] = []
        try:
            batch.append(self.queue.get(timeout=0.2))
        except queue.Empty:
            return batch
        deadline = time.monotonic() + self.cfg.batch_max_age_s
        while len(batch) < self.cfg.batch_max_messages:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self.queue.get(timeout=max(0.0, remaining)) if remaining > 0 else self.queue.get_nowait())
            except queue.Empty:
                if remaining <= 0 or self._stop.is_set():
                    break
        return batch

    def _write_loop(self) -> None:
        pending: deque[tuple[int, list[Inbound]]] = deque()  # archived, waiting for the parse process
        next_id = 0
        while not (self._stop.is_set() and self.queue.empty()):
            batch = self._next_batch()
            if batch:
                messages = [Message(m.topic, m.payload, m.qos, m.retain, m.dup, m.received_at) for m in batch]
                if self.parse is None:
                    rows, dead = route_messages(self.router, self.lake, messages, collector=self.collector)
                else:  # only the verbatim archive here; parsing runs in the parse process
                    rows = {
                        ARCHIVE: [
                            self.router.archive_row(
                                m.topic,
                                m.payload,
                                qos=m.qos,
                                retain=m.retain,
                                dup=m.dup,
                                received_at=m.received_at,
                                parsed_ok=None,
                            )
                            for m in messages
                        ]
                    }
                    dead = []
                if not self._write_until_done(rows, dead, len(batch)):
                    return
                if self.parse is None:
                    self._ack(batch)
                else:
                    self.parse.submit(next_id, messages)
                    pending.append((next_id, batch))
                    next_id += 1
            if self.parse is not None and pending:
                self._collect(pending, wait=0.5 if len(pending) > MAX_PENDING_BATCHES else 0.0)
        while self.parse is not None and pending:  # stopping: finish the batches already archived
            if not self._collect(pending, wait=1.0) and not self.parse.alive():
                break

    def _write_until_done(self, rows: Rows, dead: list[dict[str, Any]], count: int) -> bool:
        while not self._write(rows, dead):
            if self._stop.wait(2.0) and self._stop.is_set():
                # Shutting down while the lake is unwritable: leave the batch unacknowledged.
                log.error("stopping with %d messages unwritten; the broker will redeliver them", count)
                return False
        return True

    def _collect(self, pending: deque[tuple[int, list[Inbound]]], wait: float) -> bool:
        """Acknowledge the batches the parse process finished (in order); restart it if it died."""
        assert self.parse is not None
        events = self.parse.events(timeout=wait)
        for kind, batch_id, detail in events:
            if kind == "unhealthy":
                with self.metrics.lock:
                    self.metrics.write_errors += 1
                    self.metrics.healthy = False
                    self.metrics.last_error = detail
                log.error("parse process: %s; not acknowledging, will retry", detail)
            elif kind == "done" and pending and pending[0][0] == batch_id:
                _, batch = pending.popleft()
                with self.metrics.lock:
                    self.metrics.healthy = True
                    self.metrics.dead_lettered += detail
                self._ack(batch)
        if not events and not self.parse.alive():
            log.error("parse process died; restarting it and parsing the %d unacknowledged batches again", len(pending))
            self.parse.start()
            for batch_id, batch in pending:
                self.parse.submit(
                    batch_id, [Message(m.topic, m.payload, m.qos, m.retain, m.dup, m.received_at) for m in batch]
                )
        return bool(events)

    def _write(self, rows: Rows, dead: list[dict[str, Any]]) -> bool:
        t0 = time.monotonic()
        try:
            write_rows(self.lake, rows, dead, collector=self.collector)
        except OSError as exc:
            with self.metrics.lock:
                self.metrics.write_errors += 1
                self.metrics.healthy = False
                self.metrics.last_error = f"lake write failed: {exc}"
            log.error("lake write failed, not acknowledging; will retry: %s", exc)
            return False
        elapsed = time.monotonic() - t0
        now = time.time()
        with self.metrics.lock:
            self.metrics.healthy = True
            self.metrics.batches += 1
            self.metrics.written += len(rows.get(ARCHIVE, ()))
            self.metrics.dead_lettered += len(dead)
            self.metrics.flush_seconds_sum += elapsed
            self.metrics.flush_seconds_max = max(self.metrics.flush_seconds_max, elapsed)
            for key in rows:
                self.metrics.last_write[key] = now
        return True

    def _ack(self, batch: list[Inbound]) -> None:
        current = self._generation
        acked = 0
        for m in batch:
            if m.qos > 0 and m.generation == current:
                self.client.ack(m.mid, m.qos)
                acked += 1
        with self.metrics.lock:
            self.metrics.acknowledged += acked
