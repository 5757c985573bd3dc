"""Scale-out on the broker: two workers on one MQTT v5 shared subscription store every message, also
when one of them is killed mid-stream."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from homelake.testing.broker import Mosquitto
from tests.ingest.support import (
    TOPIC,
    Publisher,
    archived_seqs,
    frame,
    lake_query,
    start_ingester,
    stop,
    wait_connected,
    wait_for,
)
from tests.ingest.support import write_site as site_for

pytestmark = pytest.mark.integration


def test_two_workers_share_the_stream_and_survive_a_kill(tmp_path: Path) -> None:
    n = 12_000
    with Mosquitto(tmp_path / "broker") as broker:
        site = site_for(tmp_path, broker.port, shared_group="homelake")
        workers = {w: start_ingester(site, "--client-id", f"ingest-{w}") for w in ("a", "b")}
        wait_connected(*workers.values())
        publisher = Publisher(broker.port)
        sender = threading.Thread(target=publisher.publish_all, args=([(TOPIC, frame(i)) for i in range(n)],))
        sender.start()
        time.sleep(0.8)
        workers["b"].send_signal(signal.SIGKILL)
        workers["b"].wait()
        time.sleep(1.0)
        workers["b"] = start_ingester(site, "--client-id", "ingest-b")
        sender.join()
        publisher.close()
        root = tmp_path / "lake"
        assert wait_for(lambda: len(set(archived_seqs(root))) == n, timeout=120), "messages were lost"
        for proc in workers.values():
            assert stop(proc) == 0
    per_worker = dict(
        lake_query(root, "mqtt/messages", "select collector, count(distinct msg_key) from {ds} group by 1")
    )
    assert set(per_worker) == {"ingest-a", "ingest-b"}, per_worker
    assert all(count > n * 0.1 for count in per_worker.values()), per_worker  # both really took a share
    assert set(archived_seqs(root)) == set(range(n))
