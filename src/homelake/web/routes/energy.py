"""Energy `/energy`: daily use by room, the hourly profile, circuits, and the latest power per circuit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, hbar, register, series
from homelake.web.pages import WarehouseDep, render, request_range

router = APIRouter()

register(Chart(
    "energy_daily", "Daily energy by room", queries.ENERGY_DAILY,
    series("local_date", "energy_kwh", "room", kind="bar", stacked=True, y_title="kWh"),
    note="Site-local days.",
))  # fmt: skip
register(Chart(
    "energy_profile", "Hourly profile", queries.ENERGY_PROFILE,
    series("hour_of_day", "avg_energy_wh", "room", kind="bar", stacked=True, x_title="hour of day", y_title="Wh"),
    note="Mean energy per site-local hour of day over the range.",
))  # fmt: skip
register(Chart(
    "energy_circuits", "Energy per circuit", queries.ENERGY_CIRCUITS,
    hbar("circuit", "energy_kwh", x_title="kWh"),
))  # fmt: skip
register(Chart(
    "energy_live", "Power now", queries.ENERGY_LIVE,
    hbar("circuit", "power_w", x_title="W"),
    note="Mean power of each circuit's newest hour; ignores the range.",
))  # fmt: skip


@router.get("/energy")
def energy(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    circuits = wh.run(queries.ENERGY_CIRCUITS, values)
    live = wh.run(queries.ENERGY_LIVE, values)
    return render(
        request,
        "energy.html",
        title="Energy",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=circuits.missing,
        circuits=circuits.records(),
        live_power={(r["device_id"], r["channel"]): r["power_w"] for r in live.records()},
        charts=["energy_daily", "energy_profile", "energy_circuits", "energy_live"],
    )
