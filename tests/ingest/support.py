"""Helpers for ingestion tests: a lossless QoS 1 publisher, an ingester process, lake readers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import paho.mqtt.client as mqtt
import yaml

from homelake.lake import layout
from homelake.sources import dataset as get

DEVICE = "shellyplus1pm-a8032abe54dc"
TOPIC = f"{DEVICE}/events/rpc"


def frame(seq: int) -> bytes:
    """A realistic ~400-byte Gen2 NotifyStatus frame whose apower carries a sequence number."""
    return json.dumps(
        {
            "src": DEVICE,
            "dst": f"{DEVICE}/events",
            "method": "NotifyStatus",
            "params": {
                "ts": 1796000000.0 + seq / 100,
                "switch:0": {
                    "id": 0,
                    "apower": float(seq),
                    "voltage": 231.2,
                    "current": 0.531,
                    "pf": 0.96,
                    "freq": 50.0,
                    "aenergy": {
                        "total": 10542.117 + seq,
                        "by_minute": [1961.3, 1975.0, 1968.2],
                        "minute_ts": 1796000000,
                    },
                    "temperature": {"tC": 41.8, "tF": 107.2},
                },
            },
        }
    ).encode()


class Publisher:
    """paho QoS 1 publisher on a persistent session that waits for every PUBACK (never loses messages)."""

    def __init__(
        self,
        port: int,
        client_id: str = "test-publisher",
        *,
        ca: Path | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=False
        )
        if ca is not None:  # the broker speaks TLS with a certificate signed by (or being) this CA
            self.client.tls_set(ca_certs=str(ca))
        if login is not None:
            self.client.username_pw_set(*login)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.2, 2)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish_all(self, payloads: list[tuple[str, bytes]], timeout: float = 120) -> None:
        if not wait_for(self.client.is_connected, timeout=30, every=0.05):
            raise TimeoutError("publisher: not connected to the broker")
        infos = [self.client.publish(topic, payload, qos=1) for topic, payload in payloads]
        deadline = time.monotonic() + timeout
        for info in infos:
            while not info.is_published():
                if time.monotonic() > deadline:
                    raise TimeoutError("publisher: broker did not acknowledge every message")
                time.sleep(0.01)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def write_site(tmp: Path, port: int, **mqtt_cfg: object) -> Path:
    site = tmp / "site.yaml"
    cfg = {
        "lake": {"root": str(tmp / "lake")},
        "mqtt": {"host": "127.0.0.1", "port": port, "client_id": "ingest-test", "batch_max_age_s": 0.3, **mqtt_cfg},
        "logging": {"format": "json"},
    }
    site.write_text(yaml.safe_dump(cfg))
    return site


STARTED: list[subprocess.Popen[bytes]] = []


def start_ingester(site: Path, *args: str) -> subprocess.Popen[bytes]:
    """`homelake ingest` as its own process (killed at teardown by the conftest fixture if still alive)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "homelake.cli.app", "ingest", "-c", str(site), *args],
        stdout=subprocess.DEVNULL,
        stderr=(log := tempfile.TemporaryFile()),  # noqa: SIM115 - a pipe nobody reads could fill and block the ingester
        env=os.environ.copy(),
    )
    proc.log = log  # type: ignore[attr-defined]
    STARTED.append(proc)
    return proc


def wait_connected(*procs: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait until each ingester logged its subscription (its persistent session exists from then on)."""
    for proc in procs:

        def connected(log: Any = proc.log) -> bool:  # type: ignore[attr-defined]
            log.seek(0)
            return b"mqtt connected" in log.read()

        if not wait_for(connected, timeout=timeout, every=0.05):
            proc.log.seek(0)  # type: ignore[attr-defined]
            tail = proc.log.read().decode(errors="replace")[-3000:]  # type: ignore[attr-defined]
            raise TimeoutError(f"the ingester did not connect to the broker (exit {proc.poll()}):\n{tail}")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    """Signal the ingester and wait for it; returns its exit code (0 after SIGTERM = a clean stop).
    A non-zero exit prints the ingester's log, so a failing test shows why."""
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    log = getattr(proc, "log", None)
    if code != 0 and log is not None:
        log.seek(0)
        print(log.read().decode(errors="replace")[-4000:])
    return code


def lake_query(root: Path, dataset: str, sql: str) -> list[tuple]:
    glob = layout.glob_pattern(root, get(dataset))
    return duckdb.connect().execute(sql.replace("{ds}", f"read_parquet('{glob}')")).fetchall()


def archived_seqs(root: Path) -> list[int]:
    """Sequence numbers of every archived frame on TOPIC, duplicates included."""
    rows = lake_query(root, "mqtt/messages", f"select payload from {{ds}} where topic = '{TOPIC}'")
    return [int(json.loads(bytes(p))["params"]["switch:0"]["apower"]) for (p,) in rows]


def wait_for(predicate, timeout: float = 90, every: float = 0.5) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def children(pid: int) -> list[int]:
    """The live child processes of pid (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    """True while the process runs: a zombie (exited, not yet reaped by whoever adopted it) is not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
