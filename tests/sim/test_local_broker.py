"""The demo's broker fallback: with no Mosquitto, an embedded amqtt broker carries the ingestion (MQTT 3.1.1)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from homelake.lake import layout
from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.ingester import Ingester
from homelake.sim.demo.local_broker import start_local_broker
from homelake.sources import dataset as get
from tests.ingest.support import TOPIC, Publisher, frame

pytestmark = pytest.mark.integration


def test_embedded_broker_carries_the_ingestion(tmp_path: Path) -> None:
    broker = start_local_broker(tmp_path / "broker", prefer="amqtt")
    try:
        assert (broker.kind, broker.protocol) == ("amqtt", "3.1.1")
        lake = LakeWriter(tmp_path / "lake")
        cfg = MqttConfig(port=broker.port, protocol="3.1.1", client_id="amqtt-test", batch_max_age_s=0.2)
        ingester = Ingester(cfg, lake)
        ingester.start()
        deadline = time.monotonic() + 15
        while not ingester.metrics.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        publisher = Publisher(broker.port, client_id="amqtt-pub")
        publisher.publish_all([(TOPIC, frame(i)) for i in range(200)])
        publisher.close()
        deadline = time.monotonic() + 30
        while ingester.metrics.acknowledged < 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        ingester.stop()
    finally:
        broker.stop()
    glob = layout.glob_pattern(tmp_path / "lake", get("shelly/switch_readings"))
    assert duckdb.connect().execute(f"select count(distinct power_w) from read_parquet('{glob}')").fetchall() == [
        (200,)
    ]
