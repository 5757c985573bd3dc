"""`homelake ingest` as a service: a summary line (messages, rows written, queue, lag) instead of silence, and
the metrics endpoint on loopback without any configuration; against a real Mosquitto."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from homelake.runtime.mqtt.metrics import IngestMetrics
from homelake.testing.mosquitto import Mosquitto


def test_summary_counts_since_the_last_one_and_the_age_of_the_last_write() -> None:
    metrics = IngestMetrics(received=10, written=8, dead_lettered=1, batches=2, connected=True)
    metrics.last_write = {"shelly/status": 1_000.0, "zigbee/readings": 1_004.0}
    first = metrics.summary(None, now=1_010.0)
    assert first == ("messages=10 written=8 dead_lettered=1 batches=2 queue=0 last_write_age=6.0s connected=True")
    before = metrics.snapshot()
    metrics.received, metrics.written = 15, 15
    assert metrics.summary(before, now=1_010.0).startswith("messages=5 written=7 dead_lettered=0 batches=0")
    assert "last_write_age=never" in IngestMetrics().summary(None, now=0.0)


@pytest.mark.integration
def test_ingest_logs_a_summary_and_serves_metrics_by_default(tmp_path: Path) -> None:
    with Mosquitto(tmp_path / "broker") as broker:
        (tmp_path / "site.yaml").write_text(
            f"logging: {{format: text}}\nlake: {{root: lake}}\nmqtt: {{host: 127.0.0.1, port: {broker.port}}}\n"
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "homelake.cli.app", "ingest", "-c", "site.yaml", "--summary-every", "1"],
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 40
        try:
            while time.monotonic() < deadline and not any("ingest summary" in line for line in lines):
                lines.append(proc.stderr.readline())
        finally:
            proc.send_signal(signal.SIGTERM)
            rest = proc.communicate(timeout=30)[1]
        assert proc.returncode == 0, rest
    text = "".join(lines)
    assert "ingest summary messages=0 written=0" in text and "connected=" in text
    # on by default, on loopback: served, or (port taken by another ingester) said plainly
    endpoint = [line for line in lines if "metrics" in line and "127.0.0.1:9108" in line]
    assert endpoint, text
    assert "metrics on http://127.0.0.1:9108/metrics" in endpoint[0] or "not started" in endpoint[0]
    if "not started" in endpoint[0]:
        with socket.create_connection(("127.0.0.1", 9108), timeout=2):
            pass  # something else does listen there
