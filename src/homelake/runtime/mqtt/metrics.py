"""Counters of the ingester, rendered as Prometheus text, and a tiny loopback /metrics + /healthz server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


@dataclass
class IngestMetrics:
    received: int = 0
    written: int = 0
    acknowledged: int = 0
    dead_lettered: int = 0
    batches: int = 0
    write_errors: int = 0
    flush_seconds_sum: float = 0.0
    flush_seconds_max: float = 0.0
    queue_depth: Callable[[], int] = lambda: 0
    connected: bool = False
    healthy: bool = True
    last_error: str | None = None
    last_write: dict[str, float] = field(default_factory=dict)  # dataset -> unix time
    lock: threading.Lock = field(default_factory=threading.Lock)

    def render(self) -> str:
        lines = []

        def metric(name: str, kind: str, help_: str, value: float, labels: str = "") -> None:
            lines.append(f"# HELP homelake_ingest_{name} {help_}")
            lines.append(f"# TYPE homelake_ingest_{name} {kind}")
            lines.append(f"homelake_ingest_{name}{labels} {value}")

        with self.lock:
            metric("messages_received_total", "counter", "MQTT messages received.", self.received)
            metric("messages_written_total", "counter", "Messages durably in the lake.", self.written)
            metric(
                "messages_acknowledged_total",
                "counter",
                "Messages acknowledged to the broker.",
                self.acknowledged,
            )
            metric("messages_dead_lettered_total", "counter", "Messages that did not parse.", self.dead_lettered)
            metric("batches_total", "counter", "Batches written.", self.batches)
            metric("write_errors_total", "counter", "Failed batch writes (retried).", self.write_errors)
            metric("flush_seconds_sum", "counter", "Total time spent writing batches.", self.flush_seconds_sum)
            metric("flush_seconds_max", "gauge", "Slowest batch write.", self.flush_seconds_max)
            metric("queue_depth", "gauge", "Messages received, not yet written.", self.queue_depth())
            metric("connected", "gauge", "1 while connected to the broker.", int(self.connected))
            metric("healthy", "gauge", "1 while the lake accepts writes.", int(self.healthy))
            lines.append("# HELP homelake_ingest_last_write_timestamp_seconds Last successful write per dataset.")
            lines.append("# TYPE homelake_ingest_last_write_timestamp_seconds gauge")
            for dataset, ts in sorted(self.last_write.items()):
                lines.append(f'homelake_ingest_last_write_timestamp_seconds{{dataset="{dataset}"}} {ts:.3f}')
        return "\n".join(lines) + "\n"

    def summary(self, since: IngestMetrics | None, now: float) -> str:
        """One log line: messages received/written/dead-lettered since `since` (a snapshot of the last summary;
        None: since the start), the queue still unwritten and how long ago the lake was last written (the lag)."""
        with self.lock:
            last = max(self.last_write.values(), default=None)
            base = since or IngestMetrics()
            return (
                f"messages={self.received - base.received} written={self.written - base.written} "
                f"dead_lettered={self.dead_lettered - base.dead_lettered} batches={self.batches - base.batches} "
                f"queue={self.queue_depth()} last_write_age="
                + (f"{now - last:.1f}s" if last is not None else "never")
                + f" connected={self.connected}"
            )

    def snapshot(self) -> IngestMetrics:
        """The counters now, for the next summary's differences."""
        with self.lock:
            return IngestMetrics(
                received=self.received, written=self.written, dead_lettered=self.dead_lettered, batches=self.batches
            )

    def health(self) -> tuple[bool, dict[str, object]]:
        with self.lock:
            ok = self.healthy and self.connected
            return ok, {
                "ok": ok,
                "connected": self.connected,
                "lake_writable": self.healthy,
                "last_error": self.last_error,
                "queue_depth": self.queue_depth(),
                "written": self.written,
                "time": time.time(),
            }


def serve_metrics(metrics: IngestMetrics, host: str, port: int) -> ThreadingHTTPServer:
    """Start /metrics and /healthz on a daemon thread; returns the server (its port may be 0 → chosen)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server dispatches to
            if self.path == "/metrics":
                body, status, ctype = metrics.render().encode(), 200, "text/plain; version=0.0.4"
            elif self.path in ("/healthz", "/health"):
                ok, doc = metrics.health()
                body, status, ctype = orjson.dumps(doc), 200 if ok else 503, "application/json"
            else:
                body, status, ctype = b"not found\n", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
