"""People & doors `/people`: who is home, who came and went, a day timeline, door locks and motion by room."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series, timeline
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.staleness import age_of

router = APIRouter()

register(Chart(
    "day_timeline", "Day timeline", queries.DAY_TIMELINE, timeline,
    note="The range's last site-local day: stays at home (phones and unlisted devices on the network), "
    "door lock events and motion starts.",
    none_message="Nobody seen, no door or motion events on this day.",
))  # fmt: skip
register(Chart(
    "motion_by_room", "Motion by room", queries.MOTION_BY_ROOM,
    series("period_start", "motion_count", "room", kind="bar", stacked=True, y_title="motion starts"),
    none_message="None: no motion in this range.",
))  # fmt: skip


@router.get("/people")
def people(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    now = page_now()
    values = ChartContext(tr=tr, now=now).values()
    home = wh.run(queries.PEOPLE_NOW)
    changes = wh.run(queries.PRESENCE_CHANGES, values)
    doors = wh.run(queries.DOOR_EVENTS, values)
    as_of = (home.first() or {}).get("as_of_at")
    return render(
        request,
        "people.html",
        title="People & doors",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        home=home.records(),
        home_missing=home.missing,
        home_age=age_of(as_of, now, "devices"),
        changes=changes.records(),
        changes_missing=changes.missing,
        doors=doors.records(),
        doors_missing=doors.missing,
        timeline_day=tr.last_day,
        charts=["day_timeline", "motion_by_room"],
    )
