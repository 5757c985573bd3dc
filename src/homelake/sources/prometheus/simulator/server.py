"""A simulated node_exporter: `GET /metrics` on loopback answers the node's state at the simulated clock."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from homelake.sim.model.cluster import Cluster
from homelake.sources.prometheus.simulator.payloads import render

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class NodeExporterSim:
    """One node's exporter. While the node reboots it answers 503 (the real one would not answer at all)."""

    def __init__(self, cluster: Cluster, node: str, clock: Callable[[], datetime], host: str = "127.0.0.1") -> None:
        self.cluster, self.node, self.clock, self.host = cluster, node, clock, host
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return f"http://{self.host}:{self._server.server_address[1]}/metrics"

    def reply(self, path: str) -> tuple[int, str, bytes]:
        if path.partition("?")[0] != "/metrics":
            return 404, "text/html", b"<html><body><h1>Node Exporter</h1><a href='/metrics'>Metrics</a></body></html>"
        state = self.cluster.state(self.node, self.clock())
        if state is None:
            return 503, "text/plain", b"node is rebooting\n"
        return 200, CONTENT_TYPE, render(state)

    def start(self) -> NodeExporterSim:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # stdlib's signature
                return

            def do_GET(self) -> None:  # stdlib's name
                status, content_type, body = sim.reply(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            with contextlib.suppress(OSError):
                server.server_close()
