"""At-least-once MQTT → Parquet: QoS 1 on a persistent session, acknowledged only after a durable write."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.batches import ARCHIVE, Message, Rows, route_messages, write_rows
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.metrics import IngestMetrics
from homelake.runtime.mqtt.parse_worker import ParseProcess
from homelake.runtime.mqtt.routing import Router
from homelake.runtime.mqtt.subscriber import Subscriber, SubscriberConfig
from homelake.runtime.mqtt.wire import Publish

log = logging.getLogger(__name__)
MAX_PENDING_BATCHES = 4  # archived batches waiting for the parse process before reading pauses
RECEIPT_TICK = timedelta(microseconds=1)  # the lake's timestamp resolution


@dataclass(slots=True)
class Inbound:
    publish: Publish
    generation: int  # which connection delivered it: a packet id is only valid on its own connection
    received_at: datetime

    def message(self) -> Message:
        p = self.publish
        return Message(p.topic, p.payload, p.qos, p.retain, p.dup, self.received_at)


class InboundBuffer:
    """A bounded FIFO of received messages between the subscriber and the writer thread.

    `put_many` admits a whole socket read at once (always into an empty buffer, so one read larger
    than the bound cannot deadlock); `take` hands the writer up to a batch, waiting at most max_age
    for it to fill once the first message is there.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: deque[Inbound] = deque()
        self._cond = threading.Condition()

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_many(self, items: list[Inbound], timeout: float) -> bool:
        with self._cond:
            if self._items and len(self._items) + len(items) > self.maxsize:
                self._cond.wait(timeout)
                if self._items and len(self._items) + len(items) > self.maxsize:
                    return False
            self._items.extend(items)
            self._cond.notify_all()
            return True

    def take(self, max_n: int, max_age_s: float, stopping: Callable[[], bool]) -> list[Inbound]:
        with self._cond:
            if not self._items:
                self._cond.wait(0.2)
                if not self._items:
                    return []
            deadline = time.monotonic() + max_age_s
            while len(self._items) < max_n and not stopping():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.2))
            items = self._items
            batch = [items.popleft() for _ in range(min(max_n, len(items)))]
            self._cond.notify_all()
            return batch


class Ingester:
    """One MQTT connection (the subscriber thread) feeding one writer thread through a bounded buffer.

    Back-pressure: when the writer falls behind, the buffer fills and the subscriber thread blocks in
    `_on_messages`, so it stops reading the socket and the broker keeps the rest; nothing is dropped and
    memory stays bounded.
    """

    def __init__(  # noqa: PLR0913 - the ingester's collaborators, given at construction
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
        self._last_stamp = datetime.min.replace(tzinfo=UTC)
        self.router = Router(cfg.topics, collector=self.collector, local_tz=local_tz)
        self.buffer = InboundBuffer(cfg.queue_max)
        self.metrics = IngestMetrics(queue_depth=self.buffer.qsize)
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="lake-writer", daemon=True)
        self.parse = ParseProcess(cfg.topics, lake.root, self.collector, local_tz) if cfg.parse_process else None
        self.subscriber = Subscriber(
            SubscriberConfig(
                host=cfg.host,
                port=cfg.port,
                client_id=cfg.client_id,
                filters=cfg.subscriptions(),
                protocol=cfg.protocol,
                keepalive_s=cfg.keepalive_s,
                session_expiry_s=cfg.session_expiry_s,
                username=cfg.username,
                password=password if cfg.username else None,
                tls=cfg.tls_context(),
            ),
            self._on_messages,
            on_connection=self._on_connection,
        )

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        if self.parse is not None:
            self.parse.start()
        self._writer.start()
        self.subscriber.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write and acknowledge what was received, then disconnect (the session stays on the broker)."""
        self._stop.set()
        self._writer.join(timeout)
        if self.parse is not None:
            self.parse.close()
        self.subscriber.stop()

    # -- subscriber thread --------------------------------------------------------
    def _on_connection(self, up: bool) -> None:
        with self.metrics.lock:
            self.metrics.connected = up

    def _on_messages(self, publishes: list[Publish], generation: int) -> None:
        stamps = self._stamps(len(publishes))
        items = [Inbound(p, generation, at) for p, at in zip(publishes, stamps, strict=True)]
        while not self.buffer.put_many(items, timeout=0.5):  # block (back-pressure) but stay stoppable
            if self._stop.is_set():
                return  # not acknowledged: the broker redelivers them to the next session
            self.subscriber.keepalive_tick()
        with self.metrics.lock:
            self.metrics.received += len(items)

    def _stamps(self, n: int) -> list[datetime]:
        """Receipt times for n messages read together: the clock, but strictly increasing by at least 1 µs per
        message over this ingester's life, so (collector, received_at) names one message. The redelivery rule
        (transform/macros/mqtt_redeliveries.sql) drops the rows of a redelivered message by that name; with one
        stamp per socket read, one redelivered message would take the fresh messages read with it along."""
        first = max(self.clock(), self._last_stamp + RECEIPT_TICK)
        self._last_stamp = first + (n - 1) * RECEIPT_TICK
        return [first + i * RECEIPT_TICK for i in range(n)]

    # -- writer thread ------------------------------------------------------------
    def _next_batch(self) -> list[Inbound]:
        return self.buffer.take(self.cfg.batch_max_messages, self.cfg.batch_max_age_s, self._stop.is_set)

    def _write_loop(self) -> None:
        pending: deque[tuple[int, list[Inbound]]] = deque()  # archived, waiting for the parse process
        next_id = 0
        while not (self._stop.is_set() and self.buffer.empty()):
            batch = self._next_batch()
            if batch:
                messages = [m.message() for m in batch]
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
        if self.parse is None:
            raise RuntimeError("the parse process is not running")
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
                self.parse.submit(batch_id, [m.message() for m in batch])
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
        current = self.subscriber.generation
        ids = [m.publish.packet_id for m in batch if m.publish.qos > 0 and m.generation == current]
        acked = self.subscriber.ack(ids, current)
        with self.metrics.lock:
            self.metrics.acknowledged += acked
