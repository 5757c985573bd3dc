"""Simulated node_exporters: one per node of the simulated k3s cluster, and their scrape history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homelake.sim.model.cluster import cluster_for
from homelake.sources.base import SimContext
from homelake.sources.prometheus.simulator.server import NodeExporterSim


class PrometheusSimulator:
    """One NodeExporterSim per node on a free loopback port."""

    def __init__(self, ctx: SimContext) -> None:
        cluster = cluster_for(ctx.site.start, ctx.site.seed)
        clock = ctx.clock or (lambda: datetime.now(UTC))
        self.servers = {node: NodeExporterSim(cluster, node, clock, ctx.host) for node in cluster.nodes}

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        return [{"name": node, "kind": "node_exporter", "url": s.url, "login": "-"} for node, s in self.servers.items()]

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:  # no secrets to write
        """The `prometheus:` section: one node_exporter endpoint per node."""
        endpoints = [{"name": node, "url": s.url, "node": node, "job": "node"} for node, s in self.servers.items()]
        return {"interval_s": interval_s, "endpoints": endpoints}
