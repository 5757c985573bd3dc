"""Publishes a simulated site's MQTT traffic (every family that publishes) to a real broker.

`tick(t)` publishes, in time order, everything the devices would have published since the previous
tick, with QoS 1, and returns only once the broker has acknowledged every message (PUBACK). The
session is persistent (clean_session false), so messages in flight survive a reconnect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt

from homelake.sim.model.site import Site

Message = tuple[float, str, bytes, bool]  # (unix time, topic, payload, retain)
# (site, start, end, connect=) -> every message with a time in [start, end), in time order
MessageSource = Callable[..., list[Message]]
MAX_INFLIGHT = 0  # unlimited: paho pipelines best without a window


def iter_messages(
    source: MessageSource, site: Site, start: datetime, end: datetime, *, chunk_s: float = 3600.0
) -> Iterator[tuple[str, bytes, datetime]]:
    """(topic, payload, t) of every message in [start, end), devices connecting at `start`, hour by hour."""
    a, b, first = start.timestamp(), end.timestamp(), True
    while a < b:
        upto = min(b, a + chunk_s)
        for t, topic, payload, _ in source(site, a, upto, connect=first):
            yield topic, payload, datetime.fromtimestamp(t, start.tzinfo)
        a, first = upto, False


class MqttPublisher:
    """One paho connection that publishes the site's traffic tick by tick (virtual or real time)."""

    def __init__(
        self,
        site: Site,
        host: str,
        port: int,
        *,
        messages: MessageSource,
        client_id: str = "homelake-sim",
        timeout_s: float = 60.0,
        keepalive: int = 30,
    ) -> None:
        self.site, self.host, self.port, self.timeout_s, self.keepalive = site, host, port, timeout_s, keepalive
        self.messages = messages
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False, protocol=mqtt.MQTTv311
        )
        self.client.max_inflight_messages_set(MAX_INFLIGHT)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.1, 2)  # type: ignore[arg-type]  # paho's hint says int; it computes in float
        self._connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self._last: float | None = None
        self._first = True
        self._lock = threading.Lock()
        self.published = 0

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not reason.is_failure:
            self._connected.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self._connected.clear()

    def connect(self) -> MqttPublisher:
        self.client.connect(self.host, self.port, keepalive=self.keepalive)
        self.client.loop_start()
        if not self._connected.wait(self.timeout_s):
            self.close()
            raise ConnectionError(f"no CONNACK from the MQTT broker at {self.host}:{self.port}")
        return self

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def tick(self, t: datetime) -> int:
        """Publish everything due in [previous tick, t) and wait for every PUBACK; the first tick only
        marks the start (devices connect right after it). Returns how many messages were published."""
        now = t.timestamp()
        with self._lock:
            if self._last is None or now <= self._last:
                self._last = now if self._last is None else self._last
                return 0
            messages = self.messages(self.site, self._last, now, connect=self._first)
            if not self._connected.wait(self.timeout_s):
                raise ConnectionError(f"not connected to the MQTT broker at {self.host}:{self.port}")
            infos = [
                self.client.publish(topic, payload, qos=1, retain=retain) for _, topic, payload, retain in messages
            ]
            for info in infos:  # a timeout means no acknowledgement for timeout_s
                _wait(info, time.monotonic() + self.timeout_s)
            self._last, self._first = now, False
            self.published += len(infos)
            return len(infos)


def _wait(info: mqtt.MQTTMessageInfo, deadline: float) -> None:
    """Until the broker acknowledged `info` (queued while reconnecting is fine); TimeoutError at the deadline."""
    while not info.is_published():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the broker did not acknowledge message {info.mid} in time")
        try:
            info.wait_for_publish(min(left, 1.0))
        except RuntimeError:  # published while disconnected: paho resends it after the reconnect
            time.sleep(0.01)
