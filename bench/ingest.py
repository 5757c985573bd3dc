#!/usr/bin/env python3
"""Ingestion benchmark: broker limit vs a minimal consumer vs homelake's durable ingester, on loopback.

Starts its own Mosquitto, pre-loads a persistent session's queue with realistic Shelly Gen2 frames
(~400 bytes, QoS 1, published with paho waiting for every PUBACK: `mosquitto_pub -l` loses messages),
then measures in the same run:
  (a) mosquitto_sub (C) draining the queue to /dev/null,
  (b) a minimal Python consumer (paho, QoS 1, json.loads per message, no storage),
  (b') the same minimal consumer on homelake's own subscriber (the client the ingester uses),
  (c) `homelake ingest` draining the queue into Parquet, acknowledging after the durable write,
  (d) two `homelake ingest` workers on one shared subscription draining the queue,
  (c', d') the same two with `parse_process: true` (parsing in a second process per worker),
  (e) live: a publisher at a fixed rate while one ingester runs: publish → durable-file latency p50/p99,
plus the ingester's peak RSS and the lake's bytes per numeric reading after compaction.
Prints a table and writes JSON (default artifacts/bench-ingest.json).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import paho.mqtt.client as mqtt
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from homelake.lake.compaction import compact  # noqa: E402
from homelake.sources import DATASETS  # noqa: E402
from homelake.testing.broker import Mosquitto, free_port  # noqa: E402

DEVICES = [f"shellyplus1pm-a8032abe{i:04x}" for i in range(500)]
NUMERIC_PER_FRAME = 11  # apower voltage current pf freq aenergy.total by_minute x3 minute_ts tC


def frame(seq: int, sent_at: float | None = None) -> tuple[str, bytes]:
    dev = DEVICES[seq % len(DEVICES)]
    body = {
        "src": dev,
        "dst": f"{dev}/events",
        "method": "NotifyStatus",
        "params": {
            "ts": sent_at if sent_at is not None else 1796000000.0 + seq / 100,
            "switch:0": {
                "id": 0,
                "apower": round(100 + (seq % 977) * 0.37, 1),
                "voltage": 231.2,
                "current": 0.531,
                "pf": 0.96,
                "freq": 50.0,
                "aenergy": {
                    "total": 10542.117 + seq / 1000,
                    "by_minute": [1961.3, 1975.0, 1968.2],
                    "minute_ts": 1796000000,
                },
                "temperature": {"tC": 41.8, "tF": 107.2},
            },
        },
    }
    return f"{dev}/events/rpc", json.dumps(body).encode()


def publish(port: int, n: int, rate: float | None = None, start_seq: int = 0) -> float:
    """Publish n frames at QoS 1 and wait for every PUBACK; returns the elapsed seconds."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{start_seq}", protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(2000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    t0 = time.monotonic()
    infos = []
    for i in range(n):
        if rate:
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        topic, payload = frame(start_seq + i, sent_at=time.time() if rate else None)
        infos.append(c.publish(topic, payload, qos=1))
    for info in infos:
        info.wait_for_publish(120)
    elapsed = time.monotonic() - t0
    c.disconnect()
    c.loop_stop()
    return elapsed


def make_session(port: int, client_id: str, group: str | None = None) -> None:
    """Create a persistent session subscribed at QoS 1, then leave so the broker queues for it."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = mqtt.Properties(mqtt.PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    c.connect("127.0.0.1", port, clean_start=False, properties=props)
    c.loop_start()
    filt = "+/events/rpc" if group is None else f"$share/{group}/+/events/rpc"
    c.subscribe(filt, qos=1)
    time.sleep(0.5)
    c.disconnect()
    c.loop_stop()


def bench_mosquitto_sub(port: int, n: int) -> float:
    sub = ["mosquitto_sub", "-p", str(port), "-i", "bench-csub", "-c", "-q", "1", "-t", "+/events/rpc"]
    subprocess.run([*sub, "-W", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # create session
    publish(port, n)
    t0 = time.monotonic()
    subprocess.run([*sub, "-C", str(n)], stdout=subprocess.DEVNULL, check=True, timeout=600)
    return n / (time.monotonic() - t0)


def bench_python_parse(port: int, n: int) -> float:
    make_session(port, "bench-py")
    publish(port, n)
    done = threading.Event()
    count = [0]

    def on_message(_c, _u, msg) -> None:  # noqa: ANN001
        json.loads(msg.payload)
        count[0] += 1
        if count[0] >= n:
            done.set()

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-py", protocol=mqtt.MQTTv5)
    c.on_message = on_message
    props = mqtt.Properties(mqtt.PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    t0 = time.monotonic()
    c.connect("127.0.0.1", port, clean_start=False, properties=props)
    c.loop_start()
    done.wait(600)
    rate = n / (time.monotonic() - t0)
    c.disconnect()
    c.loop_stop()
    return rate


def bench_own_subscriber(port: int, n: int) -> float:
    """(b') the same minimal consumer on homelake's own MQTT subscriber (ADR 0006): json.loads per message,
    PUBACKs once per socket read."""
    from homelake.runtime.mqtt.subscriber import Subscriber, SubscriberConfig

    make_session(port, "bench-own")
    publish(port, n)
    done = threading.Event()
    count = [0]
    sub: Subscriber

    def on_messages(publishes, generation) -> None:  # noqa: ANN001
        for p in publishes:
            json.loads(p.payload)
        sub.ack([p.packet_id for p in publishes], generation)
        count[0] += len(publishes)
        if count[0] >= n:
            done.set()

    sub = Subscriber(
        SubscriberConfig("127.0.0.1", port, "bench-own", ["+/events/rpc"], session_expiry_s=3600), on_messages
    )
    t0 = time.monotonic()
    sub.start()
    done.wait(600)
    rate = n / (time.monotonic() - t0)
    sub.stop()
    return rate


def site_file(workdir: Path, port: int, client_id: str, **extra: object) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    site = workdir / f"site-{client_id}.yaml"
    site.write_text(
        yaml.safe_dump(
            {
                "lake": {"root": str(workdir / "lake")},
                "logging": {"level": "warning"},
                "mqtt": {"port": port, "client_id": client_id, **extra},
            }
        )
    )
    return site


def start_worker(site: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "homelake.cli.app", "ingest", "-c", str(site), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (the parse process)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def acknowledged(metrics_port: int) -> int:
    """A worker's messages_acknowledged_total from its /metrics endpoint."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("homelake_ingest_messages_acknowledged_total"):
            return int(float(line.split()[-1]))
    return 0


def archived(lake: Path) -> int:
    """Messages stored completely: in the verbatim archive and parsed (one switch reading per frame).
    The ingester acknowledges a batch only when both are durable, so this is what it has acknowledged."""
    archive = lake / "raw" / "mqtt" / "messages" / "*" / "*.parquet"
    parsed = lake / "raw" / "shelly" / "switch_readings" / "*" / "*.parquet"
    con = duckdb.connect()
    try:
        n_archive = con.execute(f"select count(distinct msg_key) from read_parquet('{archive}')").fetchall()[0][0]
        n_parsed = con.execute(f"select count(*) from read_parquet('{parsed}')").fetchall()[0][0]
    except duckdb.Error:
        return 0
    return min(n_archive, n_parsed)


def drain_with_workers(
    broker_port: int, workdir: Path, n: int, workers: int, parse_process: bool = False
) -> tuple[float, float]:
    """Pre-load n messages for `workers` connected-but-frozen ingesters, then time the drain into the lake.

    The workers connect and subscribe, are frozen with SIGSTOP, the broker queues the whole batch for
    their sessions (round robin on a shared subscription), and the clock starts at SIGCONT.
    """
    group = "benchgroup" if workers > 1 else None
    extra: dict[str, object] = {"shared_group": group} if group else {}
    extra["parse_process"] = parse_process
    ports = [free_port() for _ in range(workers)]
    sites = [
        site_file(workdir, broker_port, f"bench-w{i}", metrics={"port": port}, **extra) for i, port in enumerate(ports)
    ]
    procs = [start_worker(s) for s in sites]
    time.sleep(2.0)
    for p in procs:
        p.send_signal(signal.SIGSTOP)
    publish(broker_port, n)
    cpu0 = sum(cpu_seconds(p.pid) for p in procs)
    t0 = time.monotonic()
    for p in procs:
        p.send_signal(signal.SIGCONT)
    # done when the workers have acknowledged all n (they acknowledge only after the durable write):
    # asking their /metrics is cheap, unlike reading the lake while they write it
    while sum(acknowledged(port) for port in ports) < n:
        time.sleep(0.02)
        if time.monotonic() - t0 > 600:
            raise TimeoutError("drain did not finish")
    wall = time.monotonic() - t0
    if archived(workdir / "lake") < n:
        raise AssertionError("acknowledged messages are missing from the lake")
    rate = n / wall
    cores = (sum(cpu_seconds(p.pid) for p in procs) - cpu0) / wall
    print(f"    {workers} worker(s), parse process {parse_process}: {cores:.2f} cores busy on average", flush=True)
    rss = max(peak_rss_mb(p.pid) for p in procs)
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait(60)
    return rate, rss


def bench_latency(broker_port: int, workdir: Path, n: int, rate: float, flush_age: float) -> dict[str, float]:
    site = site_file(workdir, broker_port, "bench-live", batch_max_age_s=flush_age)
    proc = start_worker(site)
    time.sleep(1.5)
    publish(broker_port, n, rate=rate, start_seq=10_000_000)
    lake = workdir / "lake"
    while archived(lake) < n:
        time.sleep(0.2)
    rss = peak_rss_mb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    glob = lake / "raw" / "mqtt" / "messages" / "*" / "*.parquet"
    rows = duckdb.connect().execute(f"select filename, payload from read_parquet('{glob}', filename = true)").fetchall()
    mtimes: dict[str, float] = {}
    lat = []
    for fname, payload in rows:
        if fname not in mtimes:
            mtimes[fname] = os.stat(fname).st_mtime
        sent = json.loads(bytes(payload))["params"]["ts"]
        lat.append(mtimes[fname] - sent)
    lat.sort()
    return {
        "p50_s": lat[len(lat) // 2],
        "p99_s": lat[int(len(lat) * 0.99)],
        "max_s": lat[-1],
        "rss_mb": rss,
        "flush_age_s": flush_age,
        "rate_msgs_s": rate,
    }


def bytes_per_reading(workdir: Path) -> dict[str, float]:
    lake = workdir / "lake"
    report = compact(lake, DATASETS.values(), today=__import__("datetime").date(2100, 1, 1))
    con = duckdb.connect()
    out = {}
    for ds in ("mqtt/messages", "shelly/switch_readings"):
        files = list((lake / "raw" / ds).glob("date=*/*.parquet"))
        size = sum(f.stat().st_size for f in files if f.name != "_schema.parquet")
        rows = con.execute(f"select count(*) from read_parquet('{lake}/raw/{ds}/*/*.parquet')").fetchall()[0][0]
        out[ds] = {"bytes": size, "rows": rows}
    msgs = out["mqtt/messages"]["rows"]
    total = out["mqtt/messages"]["bytes"] + out["shelly/switch_readings"]["bytes"]
    return {
        "compacted_files": report.files_after,
        "messages": msgs,
        "archive_bytes_per_message": out["mqtt/messages"]["bytes"] / msgs,
        "parsed_bytes_per_row": out["shelly/switch_readings"]["bytes"] / max(1, out["shelly/switch_readings"]["rows"]),
        "bytes_per_numeric_reading_parsed": out["shelly/switch_readings"]["bytes"]
        / max(1, out["shelly/switch_readings"]["rows"] * 8),
        "bytes_per_numeric_reading_with_archive": total / (msgs * NUMERIC_PER_FRAME),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="messages per drain measurement")
    ap.add_argument("--live-n", type=int, default=30_000)
    ap.add_argument("--live-rate", type=float, default=5_000)
    ap.add_argument("--flush-age", type=float, default=1.0)
    ap.add_argument("--json", type=Path, default=ROOT / "artifacts" / "bench-ingest.json")
    args = ap.parse_args()
    results: dict[str, object] = {"n": args.n}
    with tempfile.TemporaryDirectory(prefix="homelake-bench-") as tmp:
        tmp_path = Path(tmp)
        # each measurement gets its own broker, so no other session's queue competes with it
        print(
            f"{args.n:,} messages of ~{len(frame(0)[1])} bytes per drain; a fresh Mosquitto per measurement", flush=True
        )
        with Mosquitto(tmp_path / "broker-a") as broker:
            a = bench_mosquitto_sub(broker.port, args.n)
        print(f"(a) mosquitto_sub drain        {a:>10,.0f} msgs/s", flush=True)
        with Mosquitto(tmp_path / "broker-b") as broker:
            b = bench_python_parse(broker.port, args.n)
        print(f"(b) python paho + json.loads  {b:>10,.0f} msgs/s", flush=True)
        with Mosquitto(tmp_path / "broker-b2") as broker:
            b2 = bench_own_subscriber(broker.port, args.n)
        print(f"(b') homelake subscriber + json.loads {b2:>10,.0f} msgs/s", flush=True)
        with Mosquitto(tmp_path / "broker-c") as broker:
            c, rss_c = drain_with_workers(broker.port, tmp_path / "one", args.n, 1)
        print(f"(c) homelake ingest (durable)  {c:>10,.0f} msgs/s   peak RSS {rss_c:.0f} MB", flush=True)
        with Mosquitto(tmp_path / "broker-d") as broker:
            d, rss_d = drain_with_workers(broker.port, tmp_path / "two", args.n, 2)
        print(
            f"(d) two shared workers         {d:>10,.0f} msgs/s   ({d / c:.2f}x one worker; on {os.cpu_count()} cores)",
            flush=True,
        )
        with Mosquitto(tmp_path / "broker-c1") as broker:
            c1, _ = drain_with_workers(broker.port, tmp_path / "one-pp", args.n, 1, parse_process=True)
        with Mosquitto(tmp_path / "broker-d1") as broker:
            d1, _ = drain_with_workers(broker.port, tmp_path / "two-pp", args.n, 2, parse_process=True)
        print(
            f"(c', d') with a parse process each (parse_process: true): one {c1:,.0f}, two shared {d1:,.0f} msgs/s "
            f"({d1 / c1:.2f}x)",
            flush=True,
        )
        with Mosquitto(tmp_path / "broker-e") as broker:
            live = bench_latency(broker.port, tmp_path / "live", args.live_n, args.live_rate, args.flush_age)
        print(
            f"(e) live at {args.live_rate:,.0f}/s: publish->durable p50 {live['p50_s'] * 1000:.0f} ms, "
            f"p99 {live['p99_s'] * 1000:.0f} ms (flush age {args.flush_age}s), RSS {live['rss_mb']:.0f} MB",
            flush=True,
        )
        storage = bytes_per_reading(tmp_path / "one")
        print(
            f"storage after compaction: archive {storage['archive_bytes_per_message']:.1f} B/message, "
            f"parsed {storage['bytes_per_numeric_reading_parsed']:.2f} B/numeric reading, "
            f"archive+parsed {storage['bytes_per_numeric_reading_with_archive']:.2f} B/numeric reading"
        )
    results.update(
        {
            "mosquitto_sub_msgs_s": a,
            "python_parse_msgs_s": b,
            "own_subscriber_parse_msgs_s": b2,
            "c_over_b_own_subscriber": c / b2,
            "homelake_msgs_s": c,
            "homelake_peak_rss_mb": rss_c,
            "two_workers_msgs_s": d,
            "two_over_one": d / c,
            "parse_process_one_msgs_s": c1,
            "parse_process_two_msgs_s": d1,
            "c_over_a": c / a,
            "c_over_b": c / b,
            "live": live,
            "storage": storage,
        }
    )
    print(f"ratios: c/a {c / a:.2f}  c/b {c / b:.2f}  c/b' {c / b2:.2f}  two/one {d / c:.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
