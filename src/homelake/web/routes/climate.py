"""Climate `/climate`: temperature and humidity by room over time, and each room's latest reading with its age."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.staleness import age_of

router = APIRouter()

register(Chart(
    "climate_temperature", "Temperature by room", queries.CLIMATE_SERIES,
    series("period_start", "temperature_c", "room", y_title="°C"),
))  # fmt: skip
register(Chart(
    "climate_humidity", "Humidity by room", queries.CLIMATE_SERIES,
    series("period_start", "humidity_pct", "room", y_title="%"),
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
