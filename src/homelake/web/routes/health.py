"""Health `/health`: per collector target the last success, 24 h error rate and lag; dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, register, series
from homelake.web.db import Result, Warehouse
from homelake.web.pages import WarehouseDep, render, request_range
from homelake.web.queries import HEALTH_WINDOW_DAYS

router = APIRouter()

register(Chart(
    "health_polls", "Failed polls per target", queries.HEALTH_POLLS,
    series("period_start", "failed_polls", "target", kind="bar", stacked=True, y_title="failed polls"),
    note="Targets that failed in the range, from the collector_health rows as of the last warehouse build.",
    none_message="None: no collector poll failed in this range.",
))  # fmt: skip


def target_health(wh: Warehouse, now: datetime) -> Result:
    """Per collector target polled in the last HEALTH_WINDOW_DAYS: last poll and success, whether it is
    failing and since when, and its polls and failures in the 24 h before the build's newest poll."""
    return wh.run(queries.COLLECTOR_TARGETS, {"window_start_at": now - timedelta(days=HEALTH_WINDOW_DAYS)})


def failing_devices(wh: Warehouse) -> Result:
    """Every expected device that is silent or whose collector fails, since when and why (device_expectations):
    a device that stops answering stays listed until it reports again or its metadata retires it."""
    return wh.run(queries.FAILING_DEVICES)


def built_at(wh: Warehouse) -> datetime | None:
    """When the warehouse the page reads was built: every health and freshness figure is as of then."""
    row = wh.run(queries.WAREHOUSE_BUILD).first()
    return row["built_at"] if row else None


def _with_rates(targets: Result, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for target in targets.records():
        polls, failures = target["poll_count_24h"], target["failure_count_24h"]
        target["error_rate"] = failures / polls if polls else None
        target["lag"] = now - target["last_success_at"] if target["last_success_at"] else None
        rows.append(target)
    return rows


@router.get("/health")
def health(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    now = datetime.now(UTC)
    targets = target_health(wh, now)
    dead = wh.run(queries.DEAD_LETTERS)
    failing = failing_devices(wh)
    return render(
        request,
        "health.html",
        window_days=HEALTH_WINDOW_DAYS,
        title="Health",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        built_at=built_at(wh),
        targets=_with_rates(targets, now),
        targets_missing=targets.missing,
        failing=failing.records(),
        failing_missing=failing.missing,
        dead=dead.records(),
        dead_missing=dead.missing,
        charts=["health_polls"],
    )
