"""Overview `/`: devices online, energy today vs yesterday, data freshness and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.db import Result, Warehouse
from homelake.web.pages import WarehouseDep, render, request_range, settings_of
from homelake.web.routes.health import built_at, failing_devices

router = APIRouter()

STALE_AFTER = timedelta(hours=1)


def _energy(wh: Warehouse, today: object, yesterday: object) -> tuple[Result, dict[str, float | None]]:
    result = wh.run(queries.ENERGY_TWO_DAYS, {"today": today, "yesterday": yesterday})
    by_day = {row["local_date"]: row["energy_wh"] for row in result.records()}
    return result, {"today": by_day.get(today), "yesterday": by_day.get(yesterday)}


@router.get("/")
def overview(request: Request, wh: WarehouseDep) -> Response:
    settings = settings_of(request)
    tr, range_error = request_range(request)
    now = datetime.now(UTC)
    today = now.astimezone(settings.tz).date()
    counts = wh.run(queries.DEVICE_COUNTS)
    energy_result, energy = _energy(wh, today, today - timedelta(days=1))
    failing = failing_devices(wh).records()
    freshness = wh.run(queries.DATASET_FRESHNESS)
    return render(
        request,
        "overview.html",
        title="Overview",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        warehouse_path=settings.warehouse.path,
        counts=counts.first(),
        energy=energy,
        energy_missing=energy_result.missing,
        unknown=wh.run(queries.UNKNOWN_DEVICES).records(),
        offline=wh.run(queries.OFFLINE_DEVICES).records(),
        failing=failing,
        freshness=freshness.records(),
        freshness_missing=freshness.missing,
        built_at=built_at(wh),
        stale_before=now - STALE_AFTER,
        charts=["energy_daily", "wifi_clients"],
    )
