"""Climate `/climate`: temperature and humidity by room over time with the outdoor weather beside them, and each
room's latest reading with its age."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, Figure, register, series
from homelake.web.db import Result
from homelake.web.fmt import room_name
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.staleness import age_of

router = APIRouter()

OUTDOOR_NOTE = "Outdoor: Open-Meteo's weather for the site (dotted), beside the rooms."


def with_outdoor(build: Callable[[Result], Figure]) -> Callable[[Result], Figure]:
    """The rooms' lines, and the outdoor line drawn dotted and dark so it reads as the weather, not a room."""

    def figure(result: Result) -> Figure:
        drawn = build(result)
        for trace in drawn["data"]:
            if trace["name"] == room_name("outdoor"):
                trace["line"] = {"width": 2, "dash": "dot", "color": "#374151"}
        return drawn

    return figure


register(Chart(
    "climate_temperature", "Temperature by room", queries.CLIMATE_SERIES,
    with_outdoor(series("period_start", "temperature_c", "room", y_title="°C")), note=OUTDOOR_NOTE,
))  # fmt: skip
register(Chart(
    "climate_humidity", "Humidity by room", queries.CLIMATE_SERIES,
    with_outdoor(series("period_start", "humidity_pct", "room", y_title="%")), note=OUTDOOR_NOTE,
))  # fmt: skip


@router.get("/climate")
def climate(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    rooms = wh.run(queries.CLIMATE_ROOMS, values)
    now = page_now()
    records = [{**r, "age": age_of(r["latest_reading_at"], now, "climate")} for r in rooms.records()]
    return render(
        request,
        "climate.html",
        title="Climate",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=rooms.missing,
        rooms=records,
        charts=["climate_temperature", "climate_humidity"],
    )
