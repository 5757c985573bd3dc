"""Health `/health`: per collector target the last success, 24 h error rate and lag; dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series
from homelake.web.db import Result, Warehouse
from homelake.web.pages import WarehouseDep, render, request_range, settings_of
from homelake.web.queries import HEALTH_WINDOW_DAYS

router = APIRouter()

register(Chart(
    "health_polls", "Failed polls per target", queries.HEALTH_POLLS,
    series("period_start", "failed_polls", "target", kind="bar", stacked=True, y_title="failed polls"),
    note="From the lake's collector_health rows (live, not only as of the last build).",
))  # fmt: skip


def target_health(wh: Warehouse, values: dict[str, Any], now: datetime) -> Result:
    """Per collector target: last poll and success, and the polls and failures of the last 24 h (as of now)."""
    first_day = (now - timedelta(days=HEALTH_WINDOW_DAYS)).date()
    window = {"since_at": now - timedelta(hours=24), "window_first_day": first_day}
    return wh.run(queries.COLLECTOR_TARGETS, {**values, **window})


@router.get("/health")
def health(request: Request, wh: WarehouseDep) -> Response:
    settings = settings_of(request)
    tr, range_error = request_range(request)
    now = datetime.now(UTC)
    values = ChartContext(tr=tr, lake_root=settings.lake.root).values()
    targets = target_health(wh, values, now)
    rows = []
    for target in targets.records():
        polls, failures = target["polls_24h"], target["failures_24h"]
        target["error_rate"] = failures / polls if polls else None
        target["lag"] = now - target["last_success_at"] if target["last_success_at"] else None
        rows.append(target)
    dead = wh.run(queries.DEAD_LETTERS)
    return render(
        request,
        "health.html",
        window_days=HEALTH_WINDOW_DAYS,
        title="Health",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        targets=rows,
        targets_missing=targets.missing,
        dead=dead.records(),
        dead_missing=dead.missing,
        charts=["health_polls"],
    )
