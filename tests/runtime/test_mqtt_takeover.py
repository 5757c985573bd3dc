"""Two subscribers with one client id on a real broker (Mosquitto and aedes): the broker lets one connection
hold the session and closes the other; they must settle into backing off, with a warning naming the id,
not a loop of kicking each other out, and the survivor must resume once its twin is gone."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from homelake.runtime.mqtt import wire
from homelake.runtime.mqtt.subscriber import Subscriber
from tests.runtime.mqtt_support import Received, TestBroker, publish, subscriber, wait_until

pytestmark = pytest.mark.integration

# short on purpose: the old behaviour (reset on every CONNACK) reconnected every 0.2 s here
TIMING = {"reconnect_min_s": 0.2, "reconnect_max_s": 0.5, "takeover_backoff_max_s": 2.0, "stable_after_s": 5.0}
LOGGER = "homelake.runtime.mqtt.subscriber"


def _takeover_warnings(caplog: pytest.LogCaptureFixture, sub: Subscriber) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.thread == sub._thread.ident and r.levelno == logging.WARNING and "share this client id" in r.getMessage()
    ]


def test_two_instances_with_one_client_id_back_off_and_the_survivor_resumes(
    protocol: str, broker: TestBroker, caplog: pytest.LogCaptureFixture
) -> None:
    received = Received()
    first = subscriber(broker.port, received, protocol, client_id="twin", **TIMING)
    twin = subscriber(broker.port, Received(), protocol, client_id="twin", **TIMING)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        first.start()
        try:
            assert wait_until(lambda: first.connected)
            twin.start()
            window_s = 8.0
            time.sleep(window_s)
            connects = first.generation + twin.generation - 1
            # kicking each other every 0.2 s would be about 40; backing off to 2 s leaves about 10
            assert 3 <= connects <= 16, f"{connects} connections in {window_s:.0f} s"
            # the first instance, kicked out by its twin and then again right after taking the session back,
            # says so by name (the twin too, but which of them backs off longest depends on timing)
            warnings = _takeover_warnings(caplog, first)
            assert warnings and all("client_id=twin" in w for w in warnings), warnings
        finally:
            twin.stop()
        # the twin is gone: within the longest back-off the first one holds the session again, for good
        assert wait_until(lambda: first.connected, timeout=TIMING["takeover_backoff_max_s"] + 5)
        generation = first.generation
        time.sleep(0.3)
        try:
            publish(broker, [("t/back", b"resumed", 1, False)])
            items = received.wait(1)
            assert (items[-1][0].payload, items[-1][1]) == (b"resumed", generation)
            time.sleep(1.0)
            assert first.connected and first.generation == generation
        finally:
            first.stop()


def test_an_mqtt5_session_taken_over_disconnect_backs_off_at_once() -> None:
    """An MQTT 5 broker that says so (DISCONNECT, reason 0x8E; Mosquitto 2.0 and aedes just close) is
    believed the first time: no immediate reconnect that would take the session back from the other client."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    connects: list[float] = []
    stop = threading.Event()

    def broker() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                conn.recv(4096)  # CONNECT
                connects.append(time.monotonic())
                conn.sendall(b"\x20\x03\x00\x00\x00")  # CONNACK, accepted, no properties
                conn.recv(4096)  # SUBSCRIBE
                conn.sendall(bytes((wire.DISCONNECT << 4, 2, wire.SESSION_TAKEN_OVER, 0)))

    thread = threading.Thread(target=broker, daemon=True)
    thread.start()
    sub = subscriber(port, Received(), "5", client_id="twin", reconnect_min_s=0.1, reconnect_max_s=1.0)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger(LOGGER).addHandler(handler)
    try:
        sub.start()
        assert wait_until(lambda: len(connects) >= 2, timeout=5)
        time.sleep(0.5)
    finally:
        sub.stop()
        logging.getLogger(LOGGER).removeHandler(handler)
        stop.set()
        thread.join(5)
        server.close()
    assert len(connects) == 2, "the second connection comes after the 1 s minimum of a takeover, the third 2 s later"
    assert connects[1] - connects[0] >= 0.9
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert any("client_id=twin" in w and "taken over by another connection" in w for w in warnings), warnings
