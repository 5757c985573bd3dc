"""Chart data as JSON (for Plotly) and CSV (for download), and the locally served Plotly bundle."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from homelake.web.charts import CHARTS, Chart, ChartContext, render
from homelake.web.db import Result, Warehouse
from homelake.web.pages import WarehouseDep, settings_of
from homelake.web.timerange import RangeError, parse_range

router = APIRouter()

MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def normalize_mac(value: str) -> str | None:
    """`AA-BB-CC-DD-EE-FF` or `aa:bb:...` to the warehouse's lower-case colon form; None if not a MAC."""
    mac = value.strip().lower().replace("-", ":")
    return mac if MAC.match(mac) else None


def _chart(name: str) -> Chart:
    chart = CHARTS.get(name)
    if chart is None:
        raise HTTPException(404, f"no chart named {name!r}")
    return chart


def _context(request: Request, chart: Chart) -> ChartContext:
    settings = settings_of(request)
    qp = request.query_params
    try:
        tr = parse_range(qp.get("from"), qp.get("to"), qp.get("range"), settings.tz)
    except RangeError as exc:
        raise HTTPException(400, str(exc)) from None
    mac = None
    if chart.needs_mac:
        mac = normalize_mac(qp.get("mac", ""))
        if mac is None:
            raise HTTPException(400, "this chart needs mac=aa:bb:cc:dd:ee:ff")
    return ChartContext(tr=tr, mac=mac)


def _run(request: Request, wh: Warehouse, name: str) -> tuple[Chart, Result]:
    chart = _chart(name)
    return chart, wh.run(chart.query, _context(request, chart).values())


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError


def _cell(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# The CSV route comes first: `{name}` alone would also match `energy_daily.csv`.
@router.get("/api/charts/{name}.csv")
def chart_csv(name: str, request: Request, wh: WarehouseDep) -> Response:
    chart, result = _run(request, wh, name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.columns)
    writer.writerows([_cell(v) for v in row] for row in result.rows)
    headers = {"Content-Disposition": f'attachment; filename="{chart.name}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/api/charts/{name}")
def chart_json(name: str, request: Request, wh: WarehouseDep) -> Response:
    chart, result = _run(request, wh, name)
    body = orjson.dumps(render(chart, result), default=_default, option=orjson.OPT_NON_STR_KEYS)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    """Plotly from the installed Python package: the dashboard works offline, with no CDN."""
    return Response(_plotly_js(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
