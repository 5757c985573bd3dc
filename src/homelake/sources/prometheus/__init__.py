"""Prometheus family: scrapes Prometheus text endpoints (node_exporter on each k3s node, k3s, kube-state-metrics...).

Named `prometheus`, not `node`, because what it speaks is the Prometheus text format, whoever serves it: the same
family scrapes node_exporter, k3s's own `/metrics` and homelake's. Rows are long (one per sample) and allow-listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelake.sources.base import FamilyContext, FamilySimulator, FamilySpec, HistoryContext, PollTarget, SimContext
from homelake.sources.prometheus.config import PrometheusFamily
from homelake.sources.prometheus.datasets import DATASETS
from homelake.sources.prometheus.parse_kinds import PARSE_KINDS


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One target per endpoint; an endpoint's interval and timeout override the family's and the site's."""
    from homelake.sources.prometheus.target import PrometheusTarget  # noqa: PLC0415  # loaded on use, not with the registry

    family: PrometheusFamily = ctx.config
    return [
        PrometheusTarget(
            endpoint, family.allow_list(endpoint), local_tz=ctx.local_tz, collector=ctx.collector,
            interval_s=ctx.interval_for(endpoint, family),
            timeout_s=ctx.timeout_for(endpoint, family),
        )
        for endpoint in family.endpoints
    ]  # fmt: skip


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.prometheus.simulator import PrometheusSimulator  # noqa: PLC0415  # loaded on use, not with the registry

    return PrometheusSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.prometheus.simulator.history import lay_history  # noqa: PLC0415  # loaded on use, not with the registry

    return lay_history(ctx)


def write_node_circuits(path: Path) -> Path:
    from homelake.sources.prometheus.simulator.seeds import write_node_circuits_csv  # noqa: PLC0415  # loaded on use, not with the registry

    return write_node_circuits_csv(path)


def _configured(config: Any) -> bool:  # noqa: ANN401  # the registry hands every family's config as Any
    return bool(config.endpoints)


SPEC = FamilySpec(
    name="prometheus",
    description="Prometheus text endpoints: node_exporter on the k3s nodes and any other /metrics",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=PrometheusFamily,
    configured=_configured,
    poll_targets=poll_targets,
    history=history,
    sim_seeds={"node_circuits.csv": write_node_circuits},
)
