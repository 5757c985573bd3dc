"""Power `/power`: the inverter now, the daily books (PV, battery, generator, grid, load, losses), power and
state of charge over time, the battery per day, generator runs, self-sufficiency, PV performance, the energy meter
against the inverter, the cost per room and the weather."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import PARTIAL_NOTE, Chart, ChartContext, Figure, _layout, register, right_axis, series
from homelake.web.db import Result
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.staleness import age_of

router = APIRouter()

_daily_books = series("local_date", "energy_kwh", "flow", kind="bar", stacked=True, y_title="kWh", partial="is_partial")


def books_figure(result: Result) -> Figure:
    """Sources stack above zero and sinks below, so a balanced day is as tall up as down."""
    figure = _daily_books(result)
    figure["layout"]["barmode"] = "relative"
    for trace in figure["data"]:  # each flow in its colour of the day's diagram
        color = FLOW_COLORS.get(trace["name"])
        if color:
            trace.setdefault("marker", {})["color"] = color
    return figure


SOURCES = (("PV", "pv_kwh", "#eab308"), ("Battery", "battery_discharge_kwh", "#15803d"),
           ("Generator", "generator_kwh", "#b45309"), ("Grid", "grid_import_kwh", "#6b7280"))  # fmt: skip
SINKS = (("Load", "load_kwh", "#2563eb"), ("Battery charge", "battery_charge_kwh", "#4ade80"),
         ("Grid export", "grid_export_kwh", "#6b7280"), ("Losses", "losses_kwh", "#be123c"))  # fmt: skip

FLOW_COLORS = {
    "PV": "#eab308", "Battery discharge": "#15803d", "Generator": "#b45309", "Grid import": "#6b7280",
    "Load": "#2563eb", "Battery charge": "#4ade80", "Grid export": "#9ca3af", "Losses": "#be123c",
}  # fmt: skip


def day_flow_figure(result: Result) -> Figure:
    """One day's books as a flow diagram: every source into the inverter, the inverter out to every sink
    (flows of 0 kWh left out), the day partial when the polls cover less than all of it."""
    day = result.first() or {}
    sources = [(name, day.get(column) or 0.0, color) for name, column, color in SOURCES]
    sinks = [(name, day.get(column) or 0.0, color) for name, column, color in SINKS]
    sources = [s for s in sources if s[1] > 0]
    sinks = [s for s in sinks if s[1] > 0]
    labels = [f"{name} {kwh:.1f} kWh" for name, kwh, _ in sources] + ["Inverter"]
    labels += [f"{name} {kwh:.1f} kWh" for name, kwh, _ in sinks]
    hub = len(sources)
    link = {
        "source": list(range(hub)) + [hub] * len(sinks),
        "target": [hub] * hub + [hub + 1 + i for i in range(len(sinks))],
        "value": [round(kwh, 3) for _, kwh, _ in sources] + [round(kwh, 3) for _, kwh, _ in sinks],
        "color": [color + "80" for _, _, color in sources] + [color + "80" for _, _, color in sinks],
    }
    colors = [c for _, _, c in sources] + ["#111827"] + [c for _, _, c in sinks]
    trace = {"type": "sankey", "orientation": "h", "valueformat": ".2f", "valuesuffix": " kWh",
             "node": {"label": labels, "color": colors, "pad": 18, "thickness": 16}, "link": link}  # fmt: skip
    when = str(day.get("local_date", ""))
    if day.get("is_partial"):
        coverage = day.get("coverage")
        when += f" (partial: {coverage:.0%} covered)" if isinstance(coverage, float) else " (partial)"
    layout = _layout("", "", hovermode="closest")
    layout["annotations"] = [{"text": when, "showarrow": False, "x": 0, "y": 1.08, "xref": "paper",
                              "yref": "paper", "xanchor": "left", "font": {"size": 12}}]  # fmt: skip
    layout["margin"] = {"l": 8, "r": 8, "t": 30, "b": 8}
    return {"data": [trace], "layout": layout}


def weather_figure(result: Result) -> Figure:
    """Outdoor temperature (left axis) and the irradiance on the array's plane (right axis)."""
    traces: list[dict[str, Any]] = []
    locations: dict[str, list[dict[str, Any]]] = {}
    for record in result.records():
        locations.setdefault(record["location"], []).append(record)
    for location, rows in locations.items():
        x = [r["period_start"] for r in rows]
        name = "" if len(locations) == 1 else f" ({location})"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "temperature" + name,
                "x": x,
                "y": [r["temperature_c"] for r in rows],
                "line": {"width": 1.6, "color": "#b45309"},
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "tilted irradiance" + name,
                "x": x,
                "y": [r["tilted_irradiance_w_m2"] for r in rows],
                "yaxis": "y2",
                "line": {"width": 1.2, "color": "#eab308"},
                "fill": "tozeroy",
            }
        )
    layout = _layout("", "°C")
    layout["yaxis2"] = right_axis("W/m²")
    return {"data": traces, "layout": layout}


register(Chart(
    "power_day", "Energy flows of the day", queries.POWER_DAY, day_flow_figure,
    note="The range's last site-local day: where the energy came from and where it went (choose the day with "
    "From/To).",
    none_message="No inverter data on this day.",
))  # fmt: skip
register(Chart(
    "power_books", "Energy flows per day", queries.POWER_BOOKS_DAILY, books_figure,
    note="The inverter's books per site-local day: sources (PV, battery discharge, generator, grid import) above "
    "zero, where the energy went (load, battery charge, grid export, losses) below. " + PARTIAL_NOTE,
    none_message="No inverter data in this range.",
))  # fmt: skip
register(Chart(
    "power_hourly", "Power over time", queries.POWER_HOURLY,
    series("period_start", "power_w", "flow", y_title="W"),
    note="Mean power per hour (daily: per day) over the time the polls cover; battery positive when discharging.",
    none_message="No inverter data in this range.",
))  # fmt: skip
register(Chart(
    "battery_soc", "Battery state of charge", queries.BATTERY_SOC,
    series("period_start", "soc_pct", "bound", y_title="%"),
    note="Lowest and highest state of charge the polls saw in each hour (daily: each day).",
    none_message="No battery readings in this range.",
))  # fmt: skip
register(Chart(
    "self_sufficiency", "Self-sufficiency per day", queries.SELF_SUFFICIENCY,
    series("local_date", "self_sufficiency_pct", "device_id", kind="bar", y_title="% of the load",
           partial="is_partial"),
    note="Share of the load met by PV, directly or through the battery (not while the generator or grid fed it). "
    + PARTIAL_NOTE,
    none_message="No inverter data in this range.",
))  # fmt: skip
register(Chart(
    "pv_ratio", "PV performance ratio per day", queries.PV_RATIO,
    series("local_date", "performance_ratio", "device_id", kind="bar", y_title="yield / (kWp × plane kWh/m²)",
           partial="is_partial"),
    note="Below 0.7 the array underperforms (soiling, shade, a fault) unless the battery was full. " + PARTIAL_NOTE,
    none_message="No PV yield or irradiance in this range.",
))  # fmt: skip
register(Chart(
    "weather", "Weather", queries.WEATHER, weather_figure,
    note="Open-Meteo, per hour (daily: the mean): the newest run that covers each hour (forecast until it has passed).",
    none_message="No weather in this range.",
))  # fmt: skip

CHARTS = ["power_day", "power_books", "power_hourly", "battery_soc", "self_sufficiency", "pv_ratio", "weather"]


@router.get("/power")
def power(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    now = page_now()
    values = ChartContext(tr=tr, now=now).values()
    inverters = wh.run(queries.INVERTER_NOW)
    battery = wh.run(queries.BATTERY_DAYS, values)
    runs = wh.run(queries.GENERATOR_RUNS, values)
    pv = wh.run(queries.PV_PERFORMANCE, values)
    costs = wh.run(queries.ROOM_COSTS, values)
    meters = wh.run(queries.METER_CROSSCHECK, values)
    meters_until = (wh.run(queries.METER_READINGS_UNTIL).first() or {}).get("readings_until_at")
    return render(
        request,
        "power.html",
        title="Power",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        inverters=[(r, age_of(r["observed_at"], now, "power")) for r in inverters.records()],
        inverters_missing=inverters.missing,
        battery=battery.records(),
        battery_missing=battery.missing,
        runs=runs.records(),
        runs_missing=runs.missing,
        pv=pv.records(),
        pv_missing=pv.missing,
        costs=costs.records(),
        costs_missing=costs.missing,
        meters=meters.records(),
        meters_missing=meters.missing,
        # no reading from a generator or inverter-output channel ever: the site has no such meter
        meters_age=age_of(meters_until, now, "energy") if meters_until is not None else None,
        charts=CHARTS,
    )
