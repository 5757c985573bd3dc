"""Shared page plumbing: templates and their filters, the per-request warehouse, the chosen range."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from homelake.settings import Settings
from homelake.web.charts import CHARTS
from homelake.web.db import Warehouse
from homelake.web.fmt import duration, number, room_name, size
from homelake.web.timerange import QUICK, RangeError, TimeRange, parse_range

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NAV = (
    ("/", "Overview"),
    ("/inventory", "Inventory"),
    ("/energy", "Energy"),
    ("/power", "Power"),
    ("/climate", "Climate"),
    ("/network", "Network"),
    ("/people", "People & doors"),
    ("/security", "Security"),
    ("/cluster", "Cluster"),
    ("/health", "Health"),
)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def warehouse(request: Request) -> Iterator[Warehouse]:
    """FastAPI dependency: a fresh read-only connection for this request only (closed afterwards)."""
    wh = Warehouse(settings_of(request).warehouse.path)
    try:
        yield wh
    finally:
        wh.close()


WarehouseDep = Annotated[Warehouse, Depends(warehouse)]


def request_range(request: Request) -> tuple[TimeRange, str | None]:
    """The page's range; a malformed one falls back to the default with a message instead of failing."""
    tz = settings_of(request).tz
    qp = request.query_params
    try:
        return parse_range(qp.get("from"), qp.get("to"), qp.get("range"), tz), None
    except RangeError as exc:
        return parse_range(None, None, None, tz), str(exc)


def _local(value: Any, tz: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def make_filters(settings: Settings) -> dict[str, Any]:
    tz = settings.tz

    def when(value: Any) -> str:
        """A time on the site's wall clock (UTC values are converted, local ones shown as they are)."""
        if value is None:
            return "–"
        value = _local(value, tz)
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)

    def ago(value: Any) -> str:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return "–"
        return duration(datetime.now(UTC) - value) + " ago"

    return {"when": when, "ago": ago, "duration": duration, "num": number, "size": size, "room": room_name}


def page_now() -> datetime:
    """The instant a page is rendered at: every "now" figure's age is measured from it."""
    return datetime.now(UTC)


def render(request: Request, template: str, *, title: str, tr: TimeRange | None = None, **context: Any) -> Response:
    """Render a page inside the common layout (navigation, range form, chart boxes)."""
    settings = settings_of(request)
    for name in context.get("charts", ()):
        assert name in CHARTS, f"page uses unregistered chart {name}"
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "nav": NAV,
            "path": request.url.path,
            "tr": tr,
            "quick": list(QUICK),
            "site_name": settings.site.name,
            "site_tz": settings.site.timezone,
            "chart_titles": {name: chart.title for name, chart in CHARTS.items()},
            "chart_notes": {name: chart.note for name, chart in CHARTS.items()},
            "f": make_filters(settings),
            **context,
        },
    )
