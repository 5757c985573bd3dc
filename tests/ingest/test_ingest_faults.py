"""Ingestion that loses nothing, against a real Mosquitto: SIGKILL, broker restart, disk failure, poison."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from homelake.lake import layout
from homelake.sim.servers.tls import make_self_signed, tls_available
from homelake.sources import dataset as get
from homelake.testing.broker import Mosquitto, free_port
from tests.ingest.support import (
    TOPIC,
    Publisher,
    alive,
    archived_seqs,
    children,
    frame,
    lake_query,
    start_ingester,
    stop,
    wait_connected,
    wait_for,
    write_site,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path):  # noqa: ANN201
    with Mosquitto(tmp_path / "broker") as b:
        yield b


def redeliveries_are_marked(root: Path) -> None:
    """Every extra copy of a message is either flagged dup by the broker or an identical re-write."""
    rows = lake_query(
        root,
        "mqtt/messages",
        """
        select msg_key, received_at, dup,
               row_number() over (partition by msg_key order by received_at, dup) as n
        from {ds}""",
    )
    first = {(k, r) for k, r, _, n in rows if n == 1}
    for key, received_at, dup, n in rows:
        if n > 1:
            assert dup or (key, received_at) in first, (key, received_at)
    # each message has a receipt time of its own, even among the many of one socket read (a redelivered
    # message read together with fresh ones): the redelivery rule in dbt drops a message's rows by it
    receipts = lake_query(root, "mqtt/messages", "select distinct collector, received_at, msg_key from {ds}")
    assert len({(c, r) for c, r, _ in receipts}) == len(receipts)


def all_files_readable(root: Path) -> None:
    for path in (root / "raw").rglob("*.parquet"):
        pq.read_table(path)


@pytest.mark.parametrize("parse_process", [True, False], ids=["parse-process", "one-process"])
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path, broker: Mosquitto, parse_process: bool) -> None:
    n = 20_000
    site = write_site(tmp_path, broker.port, parse_process=parse_process)
    root = tmp_path / "lake"
    proc = start_ingester(site)
    wait_connected(proc)  # the persistent session exists from here on
    publisher = Publisher(broker.port)
    sender = threading.Thread(target=publisher.publish_all, args=([(TOPIC, frame(i)) for i in range(n)],))
    sender.start()
    rng = random.Random(42)
    kills = 0
    orphans: list[int] = []
    for _ in range(3):
        time.sleep(rng.uniform(0.3, 1.5))
        orphans += children(proc.pid)  # its parse process: it must not outlive the killed ingester
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        proc = start_ingester(site)
    assert bool(orphans) == parse_process and wait_for(lambda: not any(alive(pid) for pid in orphans), timeout=10)
    sender.join()
    publisher.close()
    assert wait_for(lambda: len(set(archived_seqs(root))) == n, timeout=120), "messages were lost"
    assert stop(proc) == 0  # SIGTERM: written, acknowledged, clean exit
    seqs = archived_seqs(root)
    assert set(seqs) == set(range(n)) and kills == 3
    redeliveries_are_marked(root)
    all_files_readable(root)
    parsed = lake_query(root, "shelly/switch_readings", "select count(distinct power_w) from {ds}")
    assert parsed == [(n,)]


def test_broker_restart_mid_stream_loses_nothing(tmp_path: Path, broker: Mosquitto) -> None:
    n = 6_000
    site = write_site(tmp_path, broker.port)
    proc = start_ingester(site)
    wait_connected(proc)
    publisher = Publisher(broker.port)
    publisher.publish_all([(TOPIC, frame(i)) for i in range(n // 2)])
    broker.restart()
    publisher.publish_all([(TOPIC, frame(i)) for i in range(n // 2, n)])
    publisher.close()
    root = tmp_path / "lake"
    assert wait_for(lambda: len(set(archived_seqs(root))) == n), "messages were lost across the broker restart"
    assert stop(proc) == 0  # SIGTERM: written, acknowledged, clean exit
    redeliveries_are_marked(root)


def test_disk_failure_stops_acknowledging_reports_unhealthy_and_resumes(tmp_path: Path, broker: Mosquitto) -> None:
    n = 3_000
    port = free_port()
    site = write_site(tmp_path, broker.port)
    root = tmp_path / "lake"
    archive = get("mqtt/messages")
    proc = start_ingester(site, "--metrics-port", str(port))
    wait_connected(proc)
    # Every partition the writer could need is blocked: a file where its directory must go.
    base = layout.dataset_dir(root, archive)
    blockers = []

    today = datetime.now(UTC).date()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        blocker = layout.partition_dir(root, archive, day)
        blocker.parent.mkdir(parents=True, exist_ok=True)
        blocker.write_text("disk full")
        blockers.append(blocker)
    publisher = Publisher(broker.port)
    publisher.publish_all([(TOPIC, frame(i)) for i in range(n)])

    def health() -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    assert wait_for(lambda: health()[0] == 503, timeout=30), "the ingester should report unhealthy"
    status, doc = health()
    assert doc["lake_writable"] is False and "lake write failed" in doc["last_error"]
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    assert "homelake_ingest_messages_acknowledged_total 0" in metrics
    assert not [p for p in base.glob("date=*/*.parquet") if layout.is_batch_file(p)]
    for blocker in blockers:
        blocker.unlink()
    assert wait_for(lambda: len(set(archived_seqs(root))) == n, timeout=60), "messages were lost"
    assert wait_for(lambda: health()[0] == 200, timeout=10)
    publisher.close()
    assert stop(proc) == 0  # SIGTERM: written, acknowledged, clean exit


@pytest.mark.parametrize("parse_process", [True, False], ids=["parse-process", "one-process"])
def test_poison_messages_are_kept_verbatim_and_the_stream_goes_on(
    tmp_path: Path, broker: Mosquitto, parse_process: bool
) -> None:
    site = write_site(tmp_path, broker.port, parse_process=parse_process)
    root = tmp_path / "lake"
    proc = start_ingester(site)
    wait_connected(proc)
    poison = [
        (TOPIC, b'{"src": "shellyplus1pm-a8032abe54dc", "method": "NotifyStatus", "params": {'),  # invalid JSON
        ("shellies/shellyplug-s-C18B12/no/such/topic", b"42"),  # unknown topic
        (TOPIC, b"x" * 1_000_000),  # huge
        ("shellies/shellyplug-s-C18B12/relay/0/power", b"\xff\xfe\xfa"),  # invalid UTF-8
    ]
    publisher = Publisher(broker.port)
    publisher.publish_all([(TOPIC, frame(0)), *poison, (TOPIC, frame(1))])
    publisher.close()
    assert wait_for(lambda: sorted(archived_seqs_safe(root)) == [0, 1], timeout=30)
    assert stop(proc) == 0  # SIGTERM: written, acknowledged, clean exit
    archived = lake_query(root, "mqtt/messages", "select topic, payload, parsed_ok from {ds}")
    for topic, payload in poison:  # kept verbatim; not marked parsed (the verdict is in dead_letter)
        assert any((t, bytes(p)) == (topic, payload) and ok is not True for t, p, ok in archived)
    dead = lake_query(root, "homelake/dead_letter", "select reason, payload from {ds}")
    assert len(dead) == len(poison)
    assert {bytes(p) for _, p in dead} == {p for _, p in poison}


def archived_seqs_safe(root: Path) -> list[int]:
    """Sequence numbers of the well-formed frames on TOPIC (the poison ones do not decode)."""
    seqs = []
    for (payload,) in lake_query(root, "mqtt/messages", f"select payload from {{ds}} where topic = '{TOPIC}'"):
        try:
            seqs.append(int(json.loads(bytes(payload))["params"]["switch:0"]["apower"]))
        except (ValueError, KeyError):
            continue
    return seqs


@pytest.mark.skipif(not tls_available(), reason="needs cryptography or openssl for a self-signed cert")
def test_ingestion_over_tls_with_a_login(tmp_path: Path) -> None:
    """`mqtt.tls: true` with the broker's CA: the whole path (config, TLS, login, acks from the writer
    through the connection thread) on a TLS-only listener, and nothing is redelivered afterwards."""
    cert, key = make_self_signed(tmp_path / "tls", host="127.0.0.1")
    with Mosquitto(tmp_path / "broker", users={"ingest": "tls-secret-1"}, tls=(cert, key)) as tls_broker:
        secret = tmp_path / "mqtt-password"
        secret.write_text("tls-secret-1\n")
        site = write_site(
            tmp_path, tls_broker.port, tls=True, verify_tls=str(cert), username="ingest", password={"file": str(secret)}
        )
        root = tmp_path / "lake"
        proc = start_ingester(site)
        wait_connected(proc)
        publisher = Publisher(tls_broker.port, ca=cert, login=("ingest", "tls-secret-1"))
        n = 3000
        publisher.publish_all([(TOPIC, frame(i)) for i in range(n)])
        publisher.close()
        assert wait_for(lambda: len(set(archived_seqs(root))) == n), "messages were lost over TLS"
        assert stop(proc) == 0
        assert set(archived_seqs(root)) == set(range(n))
        proc.log.seek(0)  # type: ignore[attr-defined]
        assert b"tls-secret-1" not in proc.log.read()  # type: ignore[attr-defined]
        proc = start_ingester(site)  # the same session again: everything was acknowledged
        wait_connected(proc)
        time.sleep(1.5)
        assert stop(proc) == 0
        assert len(archived_seqs(root)) == n, "acknowledged messages came back"
