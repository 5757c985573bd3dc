"""The subscriber against real brokers, Mosquitto and aedes (two independent implementations): persistent
sessions, acknowledgement, redelivery, keepalive, reconnects and refused credentials (logged without the
password)."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.subscriber import Subscriber, SubscriberConfig
from homelake.runtime.mqtt.wire import Publish
from homelake.sim.servers.tls import make_self_signed, tls_available
from homelake.testing.broker import Mosquitto
from tests.runtime.mqtt_support import BROKERS, NO_DUP_ON_REDELIVERY, Received, TestBroker, publish, wait_until
from tests.runtime.mqtt_support import subscriber as _subscriber

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("protocol", ["5", "3.1.1"], indirect=True)
def test_unacknowledged_messages_come_back_after_a_reconnect_and_acknowledged_ones_do_not(
    protocol: str, broker: TestBroker
) -> None:
    received = Received()
    sub = _subscriber(broker.port, received, protocol)
    sub.start()
    assert wait_until(lambda: sub.connected)
    time.sleep(0.3)  # the SUBSCRIBE is in
    publish(broker, [(f"t/{i}", b"x%d" % i, 1, False) for i in range(10)], v5_props=True)
    first = received.wait(10)
    assert [p.payload for p, _ in first] == [b"x%d" % i for i in range(10)]
    unacknowledged = sorted(p.packet_id for p, _ in first[4:])
    assert all(p.qos == 1 and p.packet_id and g == 1 for p, g in first)
    sub.ack([p.packet_id for p, _ in first[:4]], generation=1)
    time.sleep(0.3)
    sub.stop()

    # a new connection on the same persistent session: the six unacknowledged ones are redelivered, marked dup
    received2 = Received()
    sub2 = _subscriber(broker.port, received2, protocol)
    sub2.start()
    try:
        again = received2.wait(6)
        time.sleep(0.5)
        assert sorted(p.payload for p, _ in received2.items) == sorted(b"x%d" % i for i in range(4, 10))
        assert sorted(p.packet_id for p, _ in again) == unacknowledged, "redelivered with their original ids"
        if broker.name not in NO_DUP_ON_REDELIVERY:
            assert all(p.dup for p, _ in again)
        assert sub2.generation == 1, "the queued messages behind the CONNACK must not cost a reconnect"
        assert sub2.ack([p.packet_id for p, _ in again], generation=0) == 0, "ids of another connection"
        assert sub2.ack([p.packet_id for p, _ in again], generation=sub2.generation) == 6
    finally:
        sub2.stop()


def test_qos0_retained_and_large_messages(protocol: str, broker: TestBroker) -> None:
    publish(broker, [("t/retained", b"kept", 1, True)])
    received = Received()
    sub = _subscriber(broker.port, received, protocol)
    sub.start()
    try:
        (retained, _), *_ = received.wait(1)
        assert retained.retain and retained.payload == b"kept"
        big = bytes(range(256)) * 8192  # 2 MiB, many socket reads
        publish(broker, [("t/zero", b"q0", 0, False), ("t/big", big, 1, False)])
        items = received.wait(3)
        by_topic = {p.topic: p for p, _ in items}
        assert by_topic["t/zero"].qos == 0 and by_topic["t/zero"].packet_id == 0
        assert by_topic["t/big"].payload == big
    finally:
        sub.stop()


def test_keepalive_pings_hold_an_idle_connection_and_a_blocked_reader(protocol: str, broker: TestBroker) -> None:
    got: list[Publish] = []
    sub: Subscriber

    def stalling(publishes: list[Publish], generation: int) -> None:
        # the consumer stalls for 6 s (back-pressure) and, while it waits, ticks the keepalive from inside
        # the callback, as the ingester does; it acknowledges the first message before stalling
        sub.ack([p.packet_id for p in publishes], generation)
        for _ in range(12):
            time.sleep(0.5)
            sub.keepalive_tick()
        got.extend(publishes)

    sub = Subscriber(SubscriberConfig("127.0.0.1", broker.port, "stall", ["t/#"], protocol, keepalive_s=2), stalling)
    sub.start()
    try:
        assert wait_until(lambda: sub.connected)
        time.sleep(0.3)
        publish(broker, [("t/1", b"a", 1, False)])
        assert wait_until(lambda: len(got) == 1, timeout=15)
        time.sleep(4)  # idle: without PINGREQ the broker drops a 2 s keepalive client after 3 s
        assert sub.connected and sub.generation == 1
    finally:
        sub.stop()
    assert not broker.dropped_for_keepalive()
    # and the acknowledgement sent from inside the stall stuck: a new connection gets nothing back
    again = Received()
    sub2 = Subscriber(SubscriberConfig("127.0.0.1", broker.port, "stall", ["t/#"], protocol), again)
    sub2.start()
    try:
        assert wait_until(lambda: sub2.connected)
        time.sleep(1.0)
        assert again.items == []
    finally:
        sub2.stop()


def test_a_broker_restart_reconnects_and_a_new_generation_begins(protocol: str, broker: TestBroker) -> None:
    received = Received()
    sub = _subscriber(broker.port, received, protocol)
    sub.start()
    try:
        assert wait_until(lambda: sub.connected)
        broker.restart()
        assert wait_until(lambda: sub.generation == 2 and sub.connected)
        time.sleep(0.3)
        publish(broker, [("t/after", b"1", 1, False)])
        ((p, generation),) = received.wait(1)
        assert generation == 2 and sub.ack([p.packet_id], generation) == 1
    finally:
        sub.stop()


def test_refused_credentials_are_logged_without_the_password_and_retried(
    tmp_path: Path, broker_name: str, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    with BROKERS[broker_name](tmp_path / "auth", users={"homelake": "s3cret-pw"}) as broker:
        received = Received()
        bad = _subscriber(broker.port, received, protocol, username="homelake", password="wrong-pw-123")
        with caplog.at_level(logging.INFO, logger="homelake.runtime.mqtt.subscriber"):
            bad.start()
            assert wait_until(lambda: sum("refused" in r.getMessage() for r in caplog.records) >= 2)
            bad.stop()
        assert not bad.connected
        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "not authorized" in text or "bad user name or password" in text
        assert "wrong-pw-123" not in text

        good = _subscriber(broker.port, received, protocol, username="homelake", password="s3cret-pw")
        good.start()
        try:
            assert wait_until(lambda: good.connected)
        finally:
            good.stop()


def test_messages_in_the_same_read_as_the_connack_are_delivered() -> None:
    """A session with queued messages gets them right behind its CONNACK, often in one TCP segment: they
    are the first deliveries of the connection, not a protocol error and a reconnect."""
    import socket

    from homelake.runtime.mqtt import wire

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    acks: list[bytes] = []

    def broker() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(4096)  # CONNECT
            publish = b"\x32" + wire.varint(2 + 3 + 2 + 1 + 5) + b"\x00\x03t/1\x00\x07\x00queue"
            conn.sendall(b"\x20\x03\x01\x00\x00" + publish + publish.replace(b"\x00\x07", b"\x00\x08"))
            conn.settimeout(5)
            while len(b"".join(acks)) < 8 + 4:  # the SUBSCRIBE, then two PUBACKs
                data = conn.recv(4096)
                if not data:
                    break
                acks.append(data)

    thread = threading.Thread(target=broker, daemon=True)
    thread.start()
    received = Received()
    sub = _subscriber(port, received, reconnect_min_s=5)
    sub.start()
    try:
        items = received.wait(2)
        assert [(p.packet_id, p.payload) for p, _ in items] == [(7, b"queue"), (8, b"queue")]
        assert sub.generation == 1
        assert sub.ack([7, 8], 1) == 2
        thread.join(5)
        assert b"".join(acks).endswith(b"\x40\x02\x00\x07\x40\x02\x00\x08")
    finally:
        sub.stop()
        server.close()


def test_a_failing_consumer_costs_a_reconnect_not_the_subscription(protocol: str, broker: TestBroker) -> None:
    calls: list[int] = []
    received = Received()

    def flaky(publishes: list[Publish], generation: int) -> None:
        calls.append(generation)
        if len(calls) == 1:
            raise RuntimeError("a bug in the consumer")
        received(publishes, generation)

    sub = _subscriber(broker.port, flaky, protocol, client_id="flaky")
    sub.start()
    try:
        assert wait_until(lambda: sub.connected)
        time.sleep(0.3)
        publish(broker, [("t/x", b"again", 1, False)])
        ((p, generation),) = received.wait(1)
        assert p.payload == b"again" and generation == 2  # redelivered on the new connection
        assert p.dup or broker.name in NO_DUP_ON_REDELIVERY
    finally:
        sub.stop()


@pytest.mark.skipif(not tls_available(), reason="needs cryptography or openssl for a self-signed cert")
def test_tls_verifies_the_broker_and_an_untrusted_certificate_is_refused(
    tmp_path,
    caplog: pytest.LogCaptureFixture,  # noqa: ANN001
) -> None:
    cert, key = make_self_signed(tmp_path / "tls", host="127.0.0.1")
    with Mosquitto(tmp_path / "broker", tls=(cert, key)) as broker:
        trusted = MqttConfig(port=broker.port, tls=True, verify_tls=cert).tls_context()
        received = Received()
        sub = _subscriber(broker.port, received, tls=trusted)
        sub.start()
        try:
            assert wait_until(lambda: sub.connected)
            time.sleep(0.3)
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tls-pub")
            c.tls_set(ca_certs=str(cert))
            c.connect("127.0.0.1", broker.port)
            c.loop_start()
            c.publish("t/secure", b"over tls", qos=1).wait_for_publish(10)
            c.disconnect()
            c.loop_stop()
            ((p, _),) = received.wait(1)
            assert p.payload == b"over tls"
        finally:
            sub.stop()

        system_cas = MqttConfig(port=broker.port, tls=True).tls_context()  # the self-signed cert is not in there
        untrusting = _subscriber(broker.port, Received(), tls=system_cas)
        with caplog.at_level(logging.WARNING, logger="homelake.runtime.mqtt.subscriber"):
            untrusting.start()
            assert wait_until(lambda: any("CERTIFICATE_VERIFY_FAILED" in r.getMessage() for r in caplog.records))
            untrusting.stop()
        assert not untrusting.connected and untrusting.generation == 0


def test_tls_settings_are_checked(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="only applies with tls"):
        MqttConfig(verify_tls=False)
    with pytest.raises(ValueError, match="not a readable file"):
        MqttConfig(tls=True, verify_tls=tmp_path / "missing-ca.pem")
    assert MqttConfig().tls_context() is None
    insecure = MqttConfig(tls=True, verify_tls=False).tls_context()
    assert insecure is not None and insecure.verify_mode == ssl.CERT_NONE
