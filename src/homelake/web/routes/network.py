"""Network `/network`: wifi clients per AP, the signal distribution, and interface traffic."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series
from homelake.web.pages import WarehouseDep, render, request_range

router = APIRouter()

register(Chart(
    "wifi_clients", "Wifi clients per access point", queries.WIFI_CLIENTS,
    series("period_start", "clients", "access_point", y_title="clients"),
    note="Distinct clients per hour (daily: the mean of the hours).",
))  # fmt: skip
register(Chart(
    "wifi_signal", "Signal distribution", queries.SIGNAL_HISTOGRAM,
    series("signal_bucket_dbm", "samples", "access_point", kind="bar", x_title="dBm (5 dB buckets)", y_title="samples"),
))  # fmt: skip
register(Chart(
    "interface_traffic", "Interface traffic (busiest 8)", queries.INTERFACE_TRAFFIC,
    series("period_start", "mbps", "interface", y_title="Mbit/s (rx + tx)"),
    note="Rates from the differences between consecutive counter samples.",
))  # fmt: skip


@router.get("/network")
def network(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    interfaces = wh.run(queries.INTERFACE_TOTALS, values)
    return render(
        request,
        "network.html",
        title="Network",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=interfaces.missing,
        interfaces=interfaces.records(),
        charts=["wifi_clients", "wifi_signal", "interface_traffic"],
    )
