"""Simulated MQTT traffic: what the devices publish (pure, parseable, silent when they should be) and the
publisher delivering it through a private Mosquitto, acknowledged, in virtual time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as mqtt
import pytest

from homelake.sim.demo.backfill import iter_mqtt_messages
from homelake.sim.demo.backfill import site_mqtt_messages as mqtt_messages
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.occupancy import truth_door_events
from homelake.sim.model.shelly_state import ShellyState
from homelake.sim.model.site import Site, build_site
from homelake.sources.base import ParseContext
from homelake.sources.shelly import ShellyMqtt
from homelake.sources.zigbee.parser import ZigbeeMqtt
from homelake.sources.zigbee.simulator import zigbee_messages
from homelake.testing.broker import Mosquitto, find_mosquitto
from tests.pinned_time import ticking_clock


def _topics_of(state: ShellyState, key: str) -> tuple[str, ...]:
    dev = state.device(key)
    return (f"shellies/{dev.device_id}/", f"{dev.device_id}/")


def test_a_day_of_traffic_parses_without_rejects(site: Site) -> None:
    shelly, zigbee = ShellyMqtt(), ZigbeeMqtt()
    datasets: Counter[str] = Counter()
    for topic, payload, t in iter_mqtt_messages(site, site.start, site.start + timedelta(days=1)):
        ctx = ParseContext("zigbee" if topic.startswith("zigbee2mqtt/") else "shelly", "broker", "test", t, t, site.tz)
        parser = zigbee if topic.startswith("zigbee2mqtt/") else shelly
        for result in parser.apply(topic, payload, ctx):
            assert not result.rejects, (topic, payload, result.rejects)
            datasets[result.dataset] += len(result.rows)
    assert set(datasets) >= {
        "shelly/switch_readings", "shelly/sensor_readings", "shelly/device_status", "shelly/events",
        "zigbee/lock_events", "zigbee/sensor_readings", "zigbee/availability",
    }  # fmt: skip


def test_ranges_split_anywhere_give_the_same_messages(site: Site) -> None:
    a = site.start.timestamp() + 3600
    b, c = a + 1234.5, a + 3 * 3600
    assert mqtt_messages(site, a, c) == mqtt_messages(site, a, b) + mqtt_messages(site, b, c)
    assert mqtt_messages(site, a, c, connect=True) == mqtt_messages(build_site(), a, c, connect=True)


def test_devices_are_silent_in_mqtt_outages_and_offline(site: Site, state: ShellyState) -> None:
    week = (site.start, site.start + timedelta(days=7))
    for window in state.mqtt_outages(*week) + state.offline_windows(*week):
        prefixes = _topics_of(state, window.device)
        a, b = window.start.timestamp(), window.end.timestamp()
        inside = [m for m in mqtt_messages(site, a - 120, b + 120) if m[1].startswith(prefixes)]
        during = [m for m in inside if a <= m[0] < b]
        assert [(m[1].rsplit("/", 1)[-1], m[2]) for m in during] == [("online", b"false")]  # only the LWT
        after = [m for m in inside if m[0] >= b]
        assert after and after[0][1].endswith("/online") and after[0][2] == b"true"  # reconnects


def test_payload_values(site: Site, state: ShellyState) -> None:
    a = site.start.timestamp() + 7200
    messages = mqtt_messages(site, a, a + 600)
    plug = state.device("shelly-plugs-kitchen")
    energy = [m for m in messages if m[1] == f"shellies/{plug.device_id}/relay/0/energy"]
    assert len(energy) == 20
    assert all(int(m[2]) == state.gen1_total_wmin(plug, 0, m[0]) for m in energy)
    pro = state.device("shelly-pro4pm-utility")
    frames = [orjson.loads(m[2]) | {"_t": m[0]} for m in messages if m[1] == f"{pro.device_id}/events/rpc"]
    assert len(frames) == 10 and all(f["method"] == "NotifyStatus" for f in frames)
    for frame in frames:
        assert frame["params"]["ts"] == pytest.approx(frame["_t"] + pro.drift_s, abs=0.01)
        assert frame["params"]["ts"] % 60 == pytest.approx(0, abs=0.01)
        assert frame["params"]["switch:0"]["aenergy"]["total"] == state.gen2_total_wh(pro, 0, frame["_t"])


def test_lock_messages_follow_the_door_truth(site: Site) -> None:
    start, end = site.start, site.start + timedelta(days=2)
    actions = [orjson.loads(m[2]).get("action") for m in zigbee_messages(site, start.timestamp(), end.timestamp())
               if m[1] == "zigbee2mqtt/front_door_lock"]  # fmt: skip
    assert [a for a in actions if a] == [e["action"] for e in truth_door_events(site, start, end)]


def _subscriber(port: int, received: list[tuple[str, bytes]], ready: threading.Event) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-sub", clean_session=True)

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        c.subscribe("#", qos=1)

    client.on_connect = on_connect
    client.on_subscribe = lambda *args: ready.set()
    client.on_message = lambda c, u, message: received.append((message.topic, message.payload))
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


@pytest.mark.integration
@pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")
def test_fleet_publishes_through_a_private_broker(site: Site, state: ShellyState) -> None:
    outage = state.mqtt_outages(site.start, site.start + timedelta(days=7))[0]
    start = outage.start - timedelta(hours=2)
    end = outage.start + timedelta(hours=2)
    expected = mqtt_messages(site, start.timestamp(), end.timestamp(), connect=True)
    clock = [start]
    with Mosquitto() as broker:
        received: list[tuple[str, bytes]] = []
        ready = threading.Event()
        subscriber = _subscriber(broker.port, received, ready)
        try:
            assert ready.wait(10)
            with SimulatedSite(
                site, clock=lambda: clock[0], options={"shelly": {"port": 0}}, mqtt_host=broker.host,
                mqtt_port=broker.port, tick_s=None,
            ) as sim:  # fmt: skip
                while clock[0] < end:
                    clock[0] = min(end, clock[0] + timedelta(seconds=90))
                    sim.tick(clock[0])
                assert sim.publisher is not None and sim.publisher.published == len(expected)
            deadline = time.monotonic() + 30
            while len(received) < len(expected) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            subscriber.loop_stop()
            subscriber.disconnect()
    assert Counter(received) == Counter((m[1], m[2]) for m in expected)
    topics = {topic.split("/")[-1] for topic, _ in received}
    assert {"power", "energy", "rpc", "online", "announce", "front_door_lock", "availability"} <= topics | {
        t.split("/")[1] for t, _ in received if t.startswith("zigbee2mqtt/")
    }
    silent = _topics_of(state, outage.device)
    a = outage.start.timestamp()
    quiet = [m for m in expected if m[1].startswith(silent) and m[0] > a + 60]
    assert all(m[1].endswith("/online") for m in quiet)  # nothing but the LWT once the outage began


@pytest.mark.integration
@pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")
def test_simulated_site_runs_the_fleet_in_real_time(tmp_path: Path) -> None:
    with Mosquitto() as broker:
        received: list[tuple[str, bytes]] = []
        ready = threading.Event()
        subscriber = _subscriber(broker.port, received, ready)
        try:
            assert ready.wait(10)
            site = build_site()
            clock = ticking_clock(site.start + timedelta(hours=20))
            sim = SimulatedSite(
                site,
                clock=clock,
                options={"shelly": {"port": 0}},
                mqtt_host=broker.host,
                mqtt_port=broker.port,
                tick_s=0.2,
            )
            with sim:
                config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets")
                deadline = time.monotonic() + 10
                while not any(t.endswith("/availability") for t, _ in received) and time.monotonic() < deadline:
                    time.sleep(0.05)
                url = f"http://127.88.0.60:{config['shelly']['discovery']['port']}/shelly"
                assert httpx.get(url).json()["app"] == "Pro4PM"
        finally:
            subscriber.loop_stop()
            subscriber.disconnect()
    assert config["mqtt"] == {"host": broker.host, "port": broker.port, "client_id": "homelake-demo"}
    assert any(topic == "zigbee2mqtt/front_door_lock/availability" for topic, _ in received)
