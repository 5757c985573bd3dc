"""Simulated journal gateways: one per node of the simulated k3s cluster, and their journal history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.cluster_journal import ClusterJournal
from homelake.sources.base import SimContext
from homelake.sources.journald.simulator.server import GatewaydSim


class JournaldSimulator:
    """One GatewaydSim per node on a free loopback port; journals rotated up to the site's start (the history's
    start), so a first follow reads what the backfill laid plus what came since."""

    def __init__(self, ctx: SimContext) -> None:
        cluster = cluster_for(ctx.site.start, ctx.site.seed)
        journal = ClusterJournal(cluster)
        clock = ctx.clock or (lambda: datetime.now(UTC))
        retained = ctx.options.get("retained_from", ctx.site.start)
        self.servers = {
            node: GatewaydSim(journal, node, clock, host=ctx.host, retained_from=retained) for node in cluster.nodes
        }

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"name": node, "kind": "systemd-journal-gatewayd", "url": f"{s.url}/entries", "login": "-"}
            for node, s in self.servers.items()
        ]

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:  # no secrets to write
        """The `journald:` section: one gateway per node, keeping k3s's units whatever their priority."""
        nodes = [{"name": node, "url": s.url} for node, s in self.servers.items()]
        return {"interval_s": interval_s, "units": ["k3s.service", "k3s-agent.service"], "nodes": nodes}
