"""Overview `/`: devices online, energy today vs yesterday, data freshness and alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.db import Result, Warehouse
from homelake.web.pages import WarehouseDep, page_now, render, request_range, settings_of
from homelake.web.routes.health import built_at, failing_devices, target_health
from homelake.web.routes.network import uplink_status
from homelake.web.staleness import age_of

router = APIRouter()

STALE_AFTER = timedelta(hours=1)


def _energy(wh: Warehouse, today: object, yesterday: object) -> tuple[Result, dict[str, Any]]:
    """Energy today and yesterday, each with whether the day is partial (and its coverage) where the
    warehouse says so."""
    result = wh.run(queries.ENERGY_TWO_DAYS, {"today": today, "yesterday": yesterday})
    by_day = {row["local_date"]: row for row in result.records()}
    return result, {"today": by_day.get(today), "yesterday": by_day.get(yesterday)}


@router.get("/")
def overview(request: Request, wh: WarehouseDep) -> Response:
    settings = settings_of(request)
    tr, range_error = request_range(request)
    now = page_now()
    today = now.astimezone(settings.tz).date()
    counts = wh.run(queries.DEVICE_COUNTS)
    counts_row = counts.first()
    readings = wh.run(queries.READINGS_UNTIL).first() or {}
    energy_result, energy = _energy(wh, today, today - timedelta(days=1))
    targets = target_health(wh, now).records()
    # expected devices that are silent or whose last poll failed (device_expectations)
    failing = failing_devices(wh).records()
    newest_poll = max((t["last_poll_at"] for t in targets if t["last_poll_at"]), default=None)
    freshness = wh.run(queries.DATASET_FRESHNESS)
    uplinks, uplink_missing = uplink_status(wh, now)
    outages = wh.run(queries.UPLINK_OUTAGES, {**tr.utc_params()}).records()
    return render(
        request,
        "overview.html",
        title="Overview",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        warehouse_path=settings.warehouse.path,
        counts=counts_row,
        devices_age=age_of(counts_row["as_of_at"] if counts_row else None, now, "devices"),
        energy=energy,
        energy_age=age_of(readings.get("readings_until_at"), now, "energy"),
        energy_missing=energy_result.missing,
        unknown=wh.run(queries.UNKNOWN_DEVICES).records(),
        offline=wh.run(queries.OFFLINE_DEVICES).records(),
        failing=failing,
        polls_age=age_of(newest_poll, now, "devices") if targets else None,
        freshness=freshness.records(),
        freshness_missing=freshness.missing,
        built_at=built_at(wh),
        stale_before=now - STALE_AFTER,
        now=now,
        uplinks=uplinks,
        uplink_missing=uplink_missing,
        outages=outages,
        charts=["energy_daily", "wifi_clients"],
    )
