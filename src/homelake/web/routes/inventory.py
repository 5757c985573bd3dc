"""Inventory `/inventory` (search, sort) and device pages `/devices/{mac}` with their charts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import PARTIAL_NOTE, Chart, register, series
from homelake.web.pages import WarehouseDep, render, request_range
from homelake.web.routes.api import normalize_mac

router = APIRouter()

COLUMNS = (
    ("name", "Name"),
    ("owner", "Owner"),
    ("room", "Room"),
    ("type", "Type"),
    ("ip", "IP"),
    ("mac", "MAC"),
    ("first_seen", "First seen"),
    ("last_seen", "Last seen"),
    ("online", "Online"),
)
MAX_QUERY = 100

register(Chart(
    "device_signal", "Wifi signal", queries.DEVICE_SIGNAL,
    series("period_start", "signal_dbm", "access_point", y_title="dBm"), needs_mac=True,
    note="Mean signal per hour (or day) at each access point.",
))  # fmt: skip
register(Chart(
    "device_power", "Power", queries.DEVICE_POWER,
    series("period_start", "avg_power_w", "circuit", y_title="W"), needs_mac=True,
))  # fmt: skip
register(Chart(
    "device_energy", "Energy", queries.DEVICE_POWER,
    series("period_start", "energy_wh", "circuit", kind="bar", stacked=True, y_title="Wh", partial="is_partial"),
    needs_mac=True, note=PARTIAL_NOTE + " Bridged: the counter's difference spans a gap in the readings.",
))  # fmt: skip


@router.get("/inventory")
def inventory(
    request: Request,
    wh: WarehouseDep,
    q: str = "",
    sort: str = queries.DEFAULT_SORT,
    dir: str = "asc",  # noqa: A002 - the public query parameter name
) -> Response:
    # unknown keys are not an error: they simply cannot reach the SQL (see queries.inventory_list)
    sort = sort if sort in queries.INVENTORY_SORTS else queries.DEFAULT_SORT
    direction = dir if dir in queries.DIRECTIONS else "asc"
    search = q.strip()[:MAX_QUERY]
    result = wh.run(queries.inventory_list(sort, direction), {"q": search})
    return render(
        request,
        "inventory.html",
        title="Inventory",
        has_warehouse=wh.exists,
        missing=result.missing,
        devices=result.records(),
        q=search,
        sort=sort,
        direction=direction,
        columns=COLUMNS,
    )


@router.get("/devices/{mac}")
def device(mac: str, request: Request, wh: WarehouseDep) -> Response:
    normalized = normalize_mac(mac)
    if normalized is None:
        raise HTTPException(404, "not a MAC address")
    tr, range_error = request_range(request)
    found = wh.run(queries.DEVICE, {"mac": normalized})
    if found.missing is None and found.empty:
        raise HTTPException(404, f"no device {normalized} in the inventory")
    circuits = wh.run(queries.DEVICE_HAS_CIRCUITS, {"mac_hex": normalized.replace(":", "")}).first()
    charts = ["device_signal"] + (["device_power", "device_energy"] if circuits and circuits["n"] else [])
    return render(
        request,
        "device.html",
        title=(found.first() or {}).get("display_name") or normalized,
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=found.missing,
        device=found.first(),
        mac=normalized,
        ips=wh.run(queries.DEVICE_IPS, {"mac": normalized}).records(),
        charts=charts,
        chart_extra={"mac": normalized},
    )
