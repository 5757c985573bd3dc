#!/usr/bin/env python3
"""Connection table poll cost: a firewall's `/ip/firewall/connection` of 20k and 50k entries over loopback HTTP.

A loopback server answers the `.proplist`-limited table the collector asks for (the fields RouterOS sends for
it, in the simulator's shapes: IPv4 with src-nat, IPv6, inbound dst-nat, tcp and udp). Measured in the same run:
  baseline  json.loads of the body alone,
  fetch     homelake's MikrotikClient GET (httpx over loopback + JSON decode),
  parse     edge_parser.parse_connections, cold (no address seen before) and warm (the same table polled again),
  write     LakeWriter.write_rows of the rows into a temporary lake (schema check, Parquet, fsync, rename),
and the peak Python memory (tracemalloc) of one whole poll: fetch, parse and write.
Prints one line per table size with the ratios against the baseline (best of --repeat runs each).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from homelake.lake.writer import LakeWriter  # noqa: E402
from homelake.sources.base import ParseContext  # noqa: E402
from homelake.sources.mikrotik import edge_parser  # noqa: E402
from homelake.sources.mikrotik.client import MikrotikClient  # noqa: E402
from homelake.sources.mikrotik.config import MikrotikRouter  # noqa: E402
from homelake.sources.mikrotik.edge_collector import CONNECTION_PROPLIST, CONNECTIONS_PATH  # noqa: E402
from homelake.sources.mikrotik.edge_datasets import MIKROTIK_CONNECTIONS  # noqa: E402

PUBLIC = "203.0.113.2"


def table(n: int) -> list[dict[str, str]]:
    """n entries as RouterOS sends them for CONNECTION_PROPLIST: 80% IPv4 out (src-nat), 15% IPv6, 5% inbound."""
    rows = []
    for i in range(n):
        lan, port = f"192.168.{88 + i % 4}.{i % 250 + 2}", 20000 + i % 40000
        remote = f"{(i * 7919) % 223 + 1}.{(i * 31) % 256}.{(i * 17) % 256}.{i % 254 + 1}"
        tcp = i % 5 != 0
        row = {"protocol": "tcp" if tcp else "udp", "orig-bytes": str(i * 1311 % 10**9),
               "repl-bytes": str(i * 7777 % 10**10), "orig-packets": str(i % 90000 + 1),
               "repl-packets": str(i % 120000 + 1), "assured": "true", "seen-reply": "true",
               "timeout": "23h59m59s" if tcp else "2m59s"}  # fmt: skip
        if i % 20 == 0:  # inbound to a forwarded port
            row |= {"src-address": f"{remote}:{port}", "dst-address": f"{PUBLIC}:8443",
                    "reply-src-address": "192.168.88.10:443", "reply-dst-address": f"{remote}:{port}",
                    "srcnat": "false", "dstnat": "true"}  # fmt: skip
        elif i % 7 == 0:  # IPv6, not NATed
            v6_lan, v6_remote = f"2001:db8:88::{i % 250 + 2:x}", f"2001:db8:{i % 65535:x}::{i % 97 + 1:x}"
            row |= {"src-address": f"[{v6_lan}]:{port}", "dst-address": f"[{v6_remote}]:443",
                    "reply-src-address": f"[{v6_remote}]:443", "reply-dst-address": f"[{v6_lan}]:{port}",
                    "srcnat": "false", "dstnat": "false"}  # fmt: skip
        else:
            row |= {"src-address": f"{lan}:{port}", "dst-address": f"{remote}:443",
                    "reply-src-address": f"{remote}:443", "reply-dst-address": f"{PUBLIC}:{port}",
                    "srcnat": "true", "dstnat": "false"}  # fmt: skip
        if tcp:
            row["tcp-state"] = "established"
        rows.append(row)
    return rows


class Body:
    """The bytes the loopback server answers (swapped per table size)."""

    raw = b"[]"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(Body.raw)))
        self.end_headers()
        self.wfile.write(Body.raw)

    def log_message(self, *args: Any) -> None:
        pass


def ctx() -> ParseContext:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return ParseContext("mikrotik", "fw", "bench", now, now, ZoneInfo("Europe/Berlin"))


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def fetch(url: str) -> Any:
    router = MikrotikRouter(name="fw", url=url, allow_http=True, role="firewall")

    async def run() -> Any:
        async with MikrotikClient(router, "pw", timeout_s=60) as client:
            return (await client.get(f"{CONNECTIONS_PATH}?.proplist={CONNECTION_PROPLIST}")).data

    return asyncio.run(run())


def cold_parse(data: Any) -> Any:
    edge_parser._split.cache_clear()  # noqa: SLF001 - cold: no address seen before
    edge_parser._canonical_ip.cache_clear()  # noqa: SLF001
    return edge_parser.parse_connections(data, ctx())


def measure(n: int, url: str, lake: Path, repeat: int) -> dict[str, float]:
    Body.raw = json.dumps(table(n), separators=(",", ":")).encode()
    baseline, data = best(lambda: json.loads(Body.raw), repeat)
    fetched, _ = best(lambda: fetch(url), repeat)
    cold, result = best(lambda: cold_parse(data), repeat)
    warm, _ = best(lambda: edge_parser.parse_connections(data, ctx()), repeat)
    assert len(result.rows) == n and not result.rejects
    writer = LakeWriter(lake, collector="bench")
    written, _ = best(lambda: writer.write_rows(MIKROTIK_CONNECTIONS, result.rows), repeat)
    data = result = None
    gc.collect()
    edge_parser._split.cache_clear()  # noqa: SLF001
    edge_parser._canonical_ip.cache_clear()  # noqa: SLF001
    tracemalloc.start()
    rows = edge_parser.parse_connections(fetch(url), ctx()).rows
    writer.write_rows(MIKROTIK_CONNECTIONS, rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"entries": n, "body_mb": len(Body.raw) / 1e6, "baseline_s": baseline, "fetch_s": fetched,
            "parse_cold_s": cold, "parse_warm_s": warm, "write_s": written, "peak_mb": peak / 1e6}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,50000", help="table sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print("entries  body MB  json.loads  fetch+decode  parse cold  parse warm  lake write  poll total  peak MB")
    try:
        with tempfile.TemporaryDirectory(prefix="homelake-bench-conn-") as tmp:
            for n in (int(s) for s in args.sizes.split(",")):
                m = measure(n, url, Path(tmp), args.repeat)
                base = m["baseline_s"]
                total = m["fetch_s"] + m["parse_cold_s"] + m["write_s"]

                def cell(s: float, base: float = base) -> str:
                    return f"{s * 1000:6.0f} ms {s / base:4.1f}x"

                print(f"{n:7d}  {m['body_mb']:7.1f}  {base * 1000:7.0f} ms  {cell(m['fetch_s'])}  "
                      f"{cell(m['parse_cold_s'])}  {cell(m['parse_warm_s'])}  {cell(m['write_s'])}  "
                      f"{total * 1000:7.0f} ms  {m['peak_mb']:6.0f}")  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
