"""Cluster `/cluster`: the k3s nodes' health, reboots, failing units, journal error rates and disk forecasts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series
from homelake.web.pages import WarehouseDep, render, request_range

router = APIRouter()

register(Chart(
    "cluster_cpu", "CPU busy per node", queries.CLUSTER_CPU,
    series("period_start", "cpu_busy_pct", "node", y_title="% of all cores"),
    note="From node_cpu_seconds_total increases (a reboot's reset counts from zero, never negative).",
))  # fmt: skip
register(Chart(
    "cluster_temperature", "Temperature per node", queries.CLUSTER_TEMPERATURE,
    series("period_start", "temperature_c", "node", y_title="°C (hottest sensor)"),
    note="A Raspberry Pi 5 throttles from 80 °C.",
))  # fmt: skip
register(Chart(
    "cluster_journal_errors", "Journal errors and warnings", queries.CLUSTER_JOURNAL_ERRORS,
    series("period_start", "entries", "node", kind="bar", stacked=True, y_title="entries (priority ≤ 4)"),
))  # fmt: skip


@router.get("/cluster")
def cluster(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    nodes = wh.run(queries.CLUSTER_NODES, values)
    return render(
        request,
        "cluster.html",
        title="Cluster",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        nodes=nodes.records(),
        nodes_missing=nodes.missing,
        reboots=wh.run(queries.CLUSTER_REBOOTS, values).records(),
        failures=wh.run(queries.CLUSTER_UNIT_FAILURES, values).records(),
        ooms=wh.run(queries.CLUSTER_OOM_KILLS, values).records(),
        error_sources=wh.run(queries.CLUSTER_ERROR_SOURCES, values).records(),
        disks=wh.run(queries.CLUSTER_DISK_FORECAST, values).records(),
        energy=wh.run(queries.CLUSTER_NODE_ENERGY, values).records(),
        charts=["cluster_cpu", "cluster_temperature", "cluster_journal_errors"],
    )
