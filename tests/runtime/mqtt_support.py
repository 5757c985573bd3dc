"""Helpers of the subscriber's interop tests: the brokers they run on, a recording consumer, a paho publisher."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from homelake.runtime.mqtt.subscriber import Subscriber, SubscriberConfig
from homelake.runtime.mqtt.wire import Publish
from homelake.testing.broker import Aedes, Mosquitto

TestBroker = Mosquitto | Aedes
# each interop test runs on both: Mosquitto (C) and aedes (Node.js), two independent implementations
BROKERS: dict[str, type[Mosquitto] | type[Aedes]] = {"mosquitto": Mosquitto, "aedes": Aedes}
# a broker that lacks a protocol by design: the test combination is skipped with this reason
UNSUPPORTED = {("aedes", "5"): "aedes 1.x implements MQTT 3.1 and 3.1.1 only (MQTT 5 is not in a release)"}
# brokers that resend a resumed session's unacknowledged PUBLISH packets (same packet ids) without the DUP flag that
# MQTT-3.3.1-1 asks for; the subscriber does not rely on DUP (the lake deduplicates), so the tests only note it
NO_DUP_ON_REDELIVERY = {"aedes": "aedes leaves DUP at 0 on redelivery (moscajs/aedes issue 601, open)"}


class Received:
    def __init__(self) -> None:
        self.items: list[tuple[Publish, int]] = []
        self.cond = threading.Condition()
        self.block = threading.Event()
        self.block.set()

    def __call__(self, publishes: list[Publish], generation: int) -> None:
        self.block.wait()
        with self.cond:
            self.items += [(p, generation) for p in publishes]
            self.cond.notify_all()

    def wait(self, n: int, timeout: float = 20) -> list[tuple[Publish, int]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.items) >= n, timeout), f"{len(self.items)} of {n}"
            return list(self.items)


def publish(broker: TestBroker, messages: list[tuple[str, bytes, int, bool]], *, v5_props: bool = False) -> None:
    """Publish with paho in the broker's best protocol (MQTT 5 properties only where the broker speaks 5)."""
    v5 = broker.protocols[0] == "5"
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pub", protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    props = None
    if v5_props and v5:
        props = Properties(PacketTypes.PUBLISH)
        props.ContentType = "application/json"
        props.MessageExpiryInterval = 600
        props.UserProperty = [("site", "home")]
    infos = [c.publish(t, p, qos=q, retain=r, properties=props) for t, p, q, r in messages]
    for info in infos:
        info.wait_for_publish(10)
    c.disconnect()
    c.loop_stop()


def wait_until(predicate: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def subscriber(
    port: int, on_messages: Callable[[list[Publish], int], None], protocol: str = "5", **kw: object
) -> Subscriber:
    kw = {"client_id": f"sub-{protocol}", "reconnect_min_s": 0.2, "reconnect_max_s": 0.5, **kw}
    cfg = SubscriberConfig(
        host="127.0.0.1",
        port=port,
        filters=["t/#"],
        protocol=protocol,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return Subscriber(cfg, on_messages)
