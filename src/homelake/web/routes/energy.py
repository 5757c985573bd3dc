"""Energy `/energy`: daily use by room, the hourly profile, circuits and devices, and power now (with its age)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import PARTIAL_NOTE, Chart, ChartContext, Figure, _layout, hbar, register, right_axis, series
from homelake.web.db import Result
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.staleness import age_of

router = APIRouter()


def energy_weather_figure(result: Result) -> Figure:
    """The site's daily kWh as bars (hatched when partial), the outdoor mean temperature and the heating
    degree-days as lines on a second axis: a cold day's energy is told apart from a wasteful one."""
    rows = result.records()
    days = [r["local_date"] for r in rows]
    partial = [bool(r["is_partial"]) for r in rows]
    traces: list[dict[str, Any]] = [
        {"type": "bar", "name": "energy (all rooms)", "x": days, "y": [r["energy_kwh"] for r in rows],
         "marker": {"color": "#2563eb", "pattern": {"shape": ["/" if p else "" for p in partial], "solidity": 0.45}}},
        {"type": "scatter", "mode": "lines+markers", "name": "outdoor °C (mean)", "x": days, "yaxis": "y2",
         "y": [r["outdoor_temperature_c"] for r in rows], "line": {"width": 1.6, "color": "#b45309"}},
        {"type": "scatter", "mode": "lines+markers", "name": "heating degree-days", "x": days, "yaxis": "y2",
         "y": [r["heating_degree_days"] for r in rows], "line": {"width": 1.2, "color": "#7c3aed", "dash": "dot"}},
    ]  # fmt: skip
    layout = _layout("", "kWh")
    layout["yaxis2"] = right_axis("°C · degree-days", from_zero=False)
    return {"data": traces, "layout": layout}


register(Chart(
    "energy_daily", "Daily energy by room", queries.ENERGY_DAILY,
    series("local_date", "energy_kwh", "room", kind="bar", stacked=True, y_title="kWh", partial="is_partial"),
    note="Site-local days. " + PARTIAL_NOTE,
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
    "energy_devices", "Energy per device", queries.ENERGY_DEVICES,
    hbar("device", "energy_kwh", x_title="kWh"),
    note="Every metered channel of a device together, largest first.",
))  # fmt: skip
register(Chart(
    "energy_live", "Power now", queries.ENERGY_LIVE,
    hbar("circuit", "power_w", x_title="W", unit="W"),
    note="Mean power of each circuit's newest hour and the age of its newest reading (grey: stale); ignores the range.",
))  # fmt: skip
register(Chart(
    "power_flows_daily", "Inverter: load and PV per day", queries.POWER_FLOWS_DAILY,
    series("local_date", "energy_kwh", "flow", kind="bar", y_title="kWh", partial="is_partial"),
    note="Site-local days from the inverter's polls. " + PARTIAL_NOTE,
    none_message="No inverter data in this range.",
))  # fmt: skip
register(Chart(
    "energy_weather", "Energy and the weather", queries.ENERGY_WEATHER, energy_weather_figure,
    note="Site-local days: every room's kWh beside the outdoor mean temperature and the heating degree-days "
    "(Open-Meteo). " + PARTIAL_NOTE,
    none_message="No energy or weather in this range.",
))  # fmt: skip


CHARTS = ["energy_daily", "energy_live", "energy_devices", "energy_profile", "energy_circuits", "power_flows_daily",
          "energy_weather"]  # fmt: skip


@router.get("/energy")
def energy(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    now = page_now()
    values = ChartContext(tr=tr, now=now).values()
    circuits = wh.run(queries.ENERGY_CIRCUITS, values)
    rows = wh.run(queries.ENERGY_LIVE, values).records()
    live = {(r["device_id"], r["channel"]): (r["power_w"], age_of(r["reading_at"], now, "power")) for r in rows}
    return render(
        request,
        "energy.html",
        title="Energy",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=circuits.missing,
        circuits=circuits.records(),
        live_power=live,
        charts=CHARTS,
    )
