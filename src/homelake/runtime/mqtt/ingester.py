"""At-least-once MQTT → Parquet: QoS 1 on a persistent session, acknowledged only after a durable write."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from homelake.lake.schemas import DEAD_LETTER, get
from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.metrics import IngestMetrics
from homelake.runtime.mqtt.routing import Router

log = logging.getLogger(__name__)
ARCHIVE = "mqtt/messages"


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
        while not (self._stop.is_set() and self.queue.empty()):
            batch = self._next_batch()
            if not batch:
                continue
            rows, dead = self._route(batch)
            while not self._write(rows, dead):
                if self._stop.wait(2.0) and self._stop.is_set():
                    # Shutting down while the lake is unwritable: leave the batch unacknowledged.
                    log.error("stopping with %d messages unwritten; the broker will redeliver them", len(batch))
                    return
            self._ack(batch)

    def _route(self, batch: list[Inbound]) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        dead: list[dict[str, Any]] = []
        for m in batch:
            routed = self.router.route(
                m.topic, m.payload, qos=m.qos, retain=m.retain, dup=m.dup, received_at=m.received_at
            )
            rows[ARCHIVE].append(routed.archive)
            for result in routed.results:
                rows[result.dataset].extend(result.rows)
                for reject in result.rejects:
                    dead.append(
                        self.lake.dead_letter_row(
                            family="mqtt",
                            dataset=result.dataset,
                            reason=f"{m.topic}: {reject.reason}",
                            payload=reject.payload,
                            device_id=routed.archive["device_id"],
                            collector=self.collector,
                            observed_at=m.received_at,
                        )
                    )
            if routed.error:
                dead.append(
                    self.lake.dead_letter_row(
                        family="mqtt",
                        dataset=None,
                        reason=f"{m.topic}: {routed.error}",
                        payload=m.payload,
                        device_id=routed.archive["device_id"],
                        collector=self.collector,
                        observed_at=m.received_at,
                    )
                )
        return rows, dead

    def _write(self, rows: dict[str, list[dict[str, Any]]], dead: list[dict[str, Any]]) -> bool:
        t0 = time.monotonic()
        try:
            for key, dataset_rows in rows.items():
                try:
                    self.lake.write_rows(get(key), dataset_rows)
                except OSError:
                    raise
                except Exception as exc:  # a bug or a schema surprise must not stall the stream
                    if key == ARCHIVE:  # the verbatim archive must land: retry it like a disk error
                        raise OSError(f"archive write failed: {type(exc).__name__}: {exc}") from exc
                    log.exception("cannot write %d rows of %s; dead-lettering them", len(dataset_rows), key)
                    dead.extend(self._unwritable(key, dataset_rows, exc))
            if dead:
                self.lake.write_rows(DEAD_LETTER, dead)
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

    def _unwritable(self, key: str, rows: list[dict[str, Any]], exc: Exception) -> list[dict[str, Any]]:
        reason = f"{key}: could not be written: {type(exc).__name__}: {exc}"
        return [
            self.lake.dead_letter_row(
                family=str(row.get("family") or "mqtt"),
                dataset=key,
                reason=reason,
                payload=orjson.dumps(row, default=str),
                device_id=str(row.get("device_id") or "unknown"),
                collector=self.collector,
                observed_at=row.get("received_at"),
            )
            for row in rows
        ]

    def _ack(self, batch: list[Inbound]) -> None:
        current = self._generation
        acked = 0
        for m in batch:
            if m.qos > 0 and m.generation == current:
                self.client.ack(m.mid, m.qos)
                acked += 1
        with self.metrics.lock:
            self.metrics.acknowledged += acked
