"""The MQTT relay: bounded spool, QoS 1 through a real Mosquitto into the lake via the real ingester, an outage."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.config import MqttConfig
from homelake.runtime.mqtt.ingester import Ingester
from homelake.sources import DATASETS
from homelake.sources.hikvision.relay import MqttRelay
from homelake.sources.hikvision.spool import Spool, SpoolFull
from homelake.testing.broker import Mosquitto

T0 = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def _row(second: int, *, heartbeat: bool = False) -> dict[str, object]:
    kind, state = ("videoloss", "inactive") if heartbeat else ("vmd", "active")
    return {"observed_at": T0 + timedelta(seconds=second), "event_type": kind, "event_state": state, "channel": 1,
            "active_post_count": 0 if heartbeat else second + 1, "target_type": None if heartbeat else "human",
            "description": "x", "ip": "192.0.2.61", "mac": "c0:56:e3:10:43:01", "is_heartbeat": heartbeat}  # fmt: skip


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_spool_keeps_order_survives_a_restart_and_is_bounded(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "relay.spool")
    for i in range(3):
        spool.append(f"t/{i}", f"p{i}".encode(), retain=i == 2)
    assert [t for t, _, _ in spool.pending()] == ["t/0", "t/1", "t/2"]
    spool.ack(2)
    again = Spool(tmp_path / "relay.spool")  # a new process over the same file
    assert again.pending() == [("t/2", b"p2", True)]
    again.ack(1)
    assert again.pending() == [] and not (tmp_path / "relay.spool").exists()
    small = Spool(tmp_path / "small.spool", max_bytes=100)
    small.append("t", b"x" * 20)
    with pytest.raises(SpoolFull):
        small.append("t", b"x" * 60)
    assert small.dropped == 1 and len(small.pending()) == 1


def test_events_reach_the_lake_through_an_outage_and_a_killed_relay(tmp_path: Path) -> None:
    lake = LakeWriter(tmp_path / "lake", collector="test")
    lake.ensure_anchors(DATASETS.values())
    spool = tmp_path / "relay" / "cam-front.spool"
    with Mosquitto(tmp_path / "broker") as broker:
        ingester = Ingester(MqttConfig(port=broker.port, client_id="relay-test", batch_max_age_s=0.2), lake)
        ingester.start()
        relay = MqttRelay("cam-front", "127.0.0.1", broker.port, spool)
        try:
            assert _wait(lambda: ingester.metrics.connected and relay.client.is_connected())
            assert relay.relay(_row(0, heartbeat=True)) == 0  # a heartbeat is never relayed
            delivered = sum(relay.relay(_row(i)) for i in range(1, 4))
            assert delivered == 6  # event + retained state each
            broker.stop()  # the outage
            assert _wait(lambda: not relay.client.is_connected())
            assert sum(relay.relay(_row(i)) for i in range(4, 8)) == 0
            relay.close()  # the relay dies with 8 messages spooled (a SIGKILL leaves the same file)
            assert len(Spool(spool).pending()) == 8
            broker.start()
            relay = MqttRelay("cam-front", "127.0.0.1", broker.port, spool)  # a new relay process
            assert _wait(lambda: relay.client.is_connected())
            assert relay.flush() == 8
            assert Spool(spool).pending() == []
            assert _wait(lambda: ingester.metrics.written >= 14, 20)
        finally:
            relay.close()
            ingester.stop()
    glob = tmp_path / "lake" / "raw" / "hikvision" / "alerts" / "*" / "*.parquet"
    # at-least-once: a message whose PUBACK to the ingester was lost in the outage comes again (staging dedupes)
    query = "select distinct device_id, active_post_count, is_heartbeat, target_type from read_parquet("
    rows = duckdb.sql(query + f"'{glob}', union_by_name = true) order by active_post_count").fetchall()
    assert rows == [("cam-front", i + 1, False, "human") for i in range(1, 8)], rows


RELAY_SCRIPT = """
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from homelake.sources.hikvision.relay import MqttRelay
relay = MqttRelay("cam-front", "127.0.0.1", int(sys.argv[1]), Path(sys.argv[2]))
for i in range(5):
    relay.relay({"observed_at": datetime(2026, 12, 7, 14, 0, i, tzinfo=UTC), "event_type": "vmd",
                 "event_state": "active", "channel": 1, "active_post_count": i + 1, "target_type": "human",
                 "is_heartbeat": False})
print("spooled", flush=True)
time.sleep(60)
"""


def test_a_sigkilled_relay_loses_nothing_it_had_read(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from homelake.testing.broker import free_port

    port = free_port()  # no broker yet: the relay can only spool
    spool = tmp_path / "spool" / "cam-front.spool"
    proc = subprocess.Popen([sys.executable, "-c", RELAY_SCRIPT, str(port), str(spool)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"spooled"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert len(Spool(spool).pending()) == 10  # 5 events + 5 retained states, fsynced before the kill
    lake = LakeWriter(tmp_path / "lake", collector="test")
    lake.ensure_anchors(DATASETS.values())
    with Mosquitto(tmp_path / "broker", port=port):
        ingester = Ingester(MqttConfig(port=port, client_id="relay-kill", batch_max_age_s=0.2), lake)
        ingester.start()
        relay = MqttRelay("cam-front", "127.0.0.1", port, spool)
        try:
            assert _wait(lambda: ingester.metrics.connected and relay.client.is_connected())
            assert relay.flush() == 10
            assert _wait(lambda: ingester.metrics.written >= 5)
        finally:
            relay.close()
            ingester.stop()
    glob = tmp_path / "lake" / "raw" / "hikvision" / "alerts" / "*" / "*.parquet"
    query = f"select distinct active_post_count from read_parquet('{glob}', union_by_name = true) order by 1"
    assert [n for (n,) in duckdb.sql(query).fetchall()] == [1, 2, 3, 4, 5]


def test_after_an_outage_the_stream_sends_the_spool_with_its_next_heartbeat(tmp_path: Path) -> None:
    """No event needs to come along: the heartbeat every 10 s that proves the stream alive flushes the spool."""
    import asyncio
    from zoneinfo import ZoneInfo

    from homelake.sources.base import ParseResult, PollOutcome
    from homelake.sources.hikvision.config import HikvisionCamera
    from homelake.sources.hikvision.datasets import HIKVISION_ALERTS
    from homelake.sources.hikvision.stream import AlertStreamTarget

    spool = tmp_path / "relay" / "cam-front.spool"
    with Mosquitto(tmp_path / "broker") as broker:
        relay = MqttRelay("cam-front", "127.0.0.1", broker.port, spool)
        target = AlertStreamTarget(HikvisionCamera(name="cam-front", url="https://192.0.2.61"), None,
                                   local_tz=ZoneInfo("UTC"), timeout_s=1, relay=relay)  # fmt: skip
        try:
            assert _wait(relay.client.is_connected)
            broker.stop()
            assert _wait(lambda: not relay.client.is_connected())
            assert sum(relay.relay(_row(i)) for i in range(1, 4)) == 0 and len(Spool(spool).pending()) == 6
            broker.start()
            assert _wait(relay.client.is_connected)
            beat = PollOutcome("cam-front", results=[ParseResult(HIKVISION_ALERTS.key, rows=[_row(9, heartbeat=True)])])
            asyncio.run(target._relay(beat))
            assert Spool(spool).pending() == [] and relay.delivered == 6
            assert beat.results[0].rows == [_row(9, heartbeat=True)]  # the heartbeat itself is written, not relayed
        finally:
            relay.close()
            asyncio.run(target.client.aclose())
