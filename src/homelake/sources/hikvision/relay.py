"""Relays camera events onto MQTT (QoS 1, retained state, availability with a last will) through the spool."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from homelake.sources.hikvision.events import availability_topic, event_payload, event_topic, state_topic
from homelake.sources.hikvision.spool import Spool, SpoolFull

log = logging.getLogger(__name__)
PUBACK_TIMEOUT_S = 5.0


class MqttRelay:
    """One camera's relay. `relay(row)` spools the event and delivers what the broker takes, in order; a
    publish counts as done only at its PUBACK. `flush()` retries the spool (call it again after an outage)."""

    def __init__(self, camera: str, host: str, port: int, spool_path: Path, *, client_id: str | None = None) -> None:
        self.camera = camera
        self.spool = Spool(spool_path)
        self.lock = threading.Lock()
        self.delivered = 0
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"homelake-relay-{camera}",
                                  protocol=mqtt.MQTTv311, clean_session=False)  # fmt: skip
        self.client.will_set(availability_topic(camera), b"offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()

    def _on_connect(self, client: mqtt.Client, *_: Any) -> None:  # noqa: ANN401 - paho's callback signature
        client.publish(availability_topic(self.camera), b"online", qos=1, retain=True)

    def relay(self, row: Mapping[str, Any]) -> int:
        """Spool one non-heartbeat alerts row (event + retained state), then deliver; returns events delivered."""
        if row.get("is_heartbeat"):
            return 0  # heartbeats prove the stream alive; they are never events
        channel, kind = row.get("channel"), str(row["event_type"])
        try:
            self.spool.append(event_topic(self.camera, channel, kind), event_payload(self.camera, row))
            state = str(row.get("event_state") or "active").encode()
            self.spool.append(state_topic(self.camera, channel, kind), state, retain=True)
        except SpoolFull as exc:
            log.error("%s", exc)
        return self.flush()

    def has_pending(self) -> bool:
        """Whether events wait in the spool (it is deleted once everything in it was acknowledged)."""
        return self.spool.path.exists() and self.client.is_connected()

    def flush(self) -> int:
        """Publish the spool in order until the broker stops acknowledging; returns messages delivered now."""
        with self.lock:
            sent = 0
            for topic, payload, retain in self.spool.pending():
                if not self.client.is_connected():
                    break  # keep it spooled; paho would otherwise queue a second copy of its own
                info = self.client.publish(topic, payload, qos=1, retain=retain)
                try:
                    info.wait_for_publish(PUBACK_TIMEOUT_S)
                except (RuntimeError, ValueError):
                    break  # not connected: keep it spooled
                if not info.is_published():
                    break
                self.spool.ack(1)
                sent += 1
            self.delivered += sent
            return sent

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
