"""Delivery: Apprise for every notification service (one URL per target) and MQTT for local automations, each
send retried a few times at once (tenacity); what still fails stays in the spool for the next evaluation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
import paho.mqtt.client as paho
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from homelake.alerts.config import AlertMqtt, AlertTarget
from homelake.alerts.store import AlertStore, Notification
from homelake.logs import redact, register_secret
from homelake.runtime.mqtt.config import MqttConfig
from homelake.secrets import SecretError

log = logging.getLogger(__name__)
ATTEMPTS = 3  # per evaluation; the spool keeps trying on the next ones
LATE_AFTER = timedelta(minutes=2)  # a notification sent this long after it was queued says so
MQTT_TIMEOUT_S = 5.0


class DeliveryError(Exception):
    """A notification could not be delivered; the message names the channel, never a URL's secret."""


Send = Callable[[Notification, str], None]  # (notification, body as sent)


@dataclass(frozen=True)
class Channel:
    name: str  # apprise:<target> or mqtt
    send: Send


def apprise_channel(target: AlertTarget, index: int) -> Channel:
    """One Apprise URL as a channel. A URL given by reference is read when sending and masked in every log line;
    one that cannot be read fails that target's sends (kept in the spool, the error naming the key), not the rest."""
    import apprise  # its plugins take a moment to load: only for a site that has targets

    name = f"apprise:{target.name or f'targets[{index}]'}"

    def resolve() -> str:
        if isinstance(target.url, str):
            return target.url
        try:
            url = target.url.resolve()
        except SecretError as exc:
            raise DeliveryError(f"{name}: {exc}") from None
        register_secret(url)
        return url

    def send(notification: Notification, body: str) -> None:
        url = resolve()
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError(f"{name}: not a URL Apprise understands (see https://appriseit.com/services/)")
        kind = apprise.NotifyType.SUCCESS if notification.event == "closed" else apprise.NotifyType.FAILURE
        if not notifier.notify(title=notification.title, body=body, notify_type=kind):
            raise DeliveryError(f"{name}: the service did not accept the notification")

    return Channel(name, send)


def mqtt_channel(broker: MqttConfig, cfg: AlertMqtt) -> Channel:
    """Each alert's state, retained on `<topic_prefix>/<key>`, so a subscriber that comes later still sees it."""

    def send(notification: Notification, body: str) -> None:
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cfg.client_id, protocol=paho.MQTTv311)
        if broker.username:
            client.username_pw_set(broker.username, broker.password.resolve() if broker.password else None)
        context = broker.tls_context()
        if context is not None:
            client.tls_set_context(context)
        topic = f"{cfg.topic_prefix.rstrip('/')}/{notification.payload['key']}"
        try:
            client.connect(broker.host, broker.port, keepalive=30)
        except OSError as exc:
            raise DeliveryError(f"mqtt: cannot connect to {broker.host}:{broker.port}: {exc}") from None
        client.loop_start()
        try:
            info = client.publish(topic, orjson.dumps({**notification.payload, "body": body}), qos=1, retain=True)
            info.wait_for_publish(timeout=MQTT_TIMEOUT_S)
            if not info.is_published():
                raise DeliveryError(f"mqtt: {broker.host}:{broker.port} did not acknowledge {topic}")
        except (RuntimeError, ValueError) as exc:
            raise DeliveryError(f"mqtt: publishing {topic} failed: {exc}") from None
        finally:
            client.disconnect()
            client.loop_stop()

    return Channel("mqtt", send)


def body_as_sent(notification: Notification, now: datetime) -> str:
    """The body, and when it goes out late (it sat in the spool), a first line saying so."""
    if now - notification.created_at < LATE_AFTER:
        return notification.body
    queued = f"{notification.created_at:%Y-%m-%d %H:%M} UTC"
    return f"(Sent late: queued {queued}, could not be delivered until now.)\n{notification.body}"


def flush(store: AlertStore, channels: Sequence[Channel], now: datetime) -> tuple[int, int]:
    """Try every spooled notification in order; (sent, still pending). A channel that fails stops for this
    round, so its later notifications never overtake an earlier one (a `closed` before its `opened`)."""
    by_name = {channel.name: channel for channel in channels}
    blocked: set[str] = set()
    sent = pending = 0
    for notification in store.pending():
        channel = by_name.get(notification.channel)
        if channel is None or channel.name in blocked:
            pending += 1  # a target taken out of the site file keeps its notifications until it returns
            continue
        body = body_as_sent(notification, now)
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(ATTEMPTS), wait=wait_exponential(multiplier=0.2, max=2),
                retry=retry_if_exception_type(DeliveryError), reraise=True,
            ):  # fmt: skip
                with attempt:
                    channel.send(notification, body)
        except DeliveryError as exc:
            blocked.add(channel.name)
            pending += 1
            store.failed(notification.id, redact(str(exc)))
            log.warning("alert notification kept for retry channel=%s event=%s key=%s attempts=%d: %s",
                        channel.name, notification.event, notification.payload.get("key"),
                        notification.attempts + ATTEMPTS, redact(str(exc)))  # fmt: skip
            continue
        store.sent(notification.id, now)
        sent += 1
    return sent, pending
