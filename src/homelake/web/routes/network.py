"""Network `/network`: the internet uplink (status, outages, latency, public IPs, WAN traffic), external traffic
and destinations (network_edge), wifi clients per AP, the signal distribution, interface traffic, and the switch's
ports with their PoE draw, traffic and energy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, Figure, _layout, register, right_axis, series
from homelake.web.db import Result, Warehouse
from homelake.web.fmt import span
from homelake.web.pages import WarehouseDep, page_now, render, request_range
from homelake.web.routes.network_edge import edge_sections
from homelake.web.staleness import Age, age_of

router = APIRouter()

LATENCY_COLORS = ("#2563eb", "#15803d", "#b45309", "#7c3aed", "#0891b2", "#be123c")


def latency_figure(result: Result) -> Figure:
    """Per probe target: the median round trip (solid) and the 95th percentile (dotted, same colour), and the
    loss as bars on a second axis."""
    targets: dict[str, list[dict[str, Any]]] = {}
    for record in result.records():
        targets.setdefault(record["target_address"], []).append(record)
    traces: list[dict[str, Any]] = []
    for index, (target, rows) in enumerate(targets.items()):
        color = LATENCY_COLORS[index % len(LATENCY_COLORS)]
        x = [r["period_start"] for r in rows]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{target} p50",
                "x": x,
                "y": [r["rtt_p50_ms"] for r in rows],
                "line": {"width": 1.6, "color": color},
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{target} p95",
                "x": x,
                "y": [r["rtt_p95_ms"] for r in rows],
                "line": {"width": 1, "color": color, "dash": "dot"},
            }
        )
        traces.append(
            {
                "type": "bar",
                "name": f"{target} loss",
                "x": x,
                "y": [r["loss_pct"] for r in rows],
                "yaxis": "y2",
                "marker": {"color": color, "opacity": 0.35},
                "showlegend": False,
                "hovertemplate": "loss %{y} %<extra>" + target + "</extra>",
            }
        )
    layout = _layout("", "round trip (ms)")
    layout["yaxis2"] = right_axis("loss (%)")
    return {"data": traces, "layout": layout}


register(Chart(
    "uplink_latency", "Internet latency and loss per probe target", queries.UPLINK_LATENCY, latency_figure,
    note="The router's own pings, per hour: median (solid) and 95th percentile (dotted) round trip; bars: "
    "echoes lost (right axis). Daily points are the mean of the hours.",
    none_message="No uplink probes in this range.",
))  # fmt: skip
register(Chart(
    "wan_traffic", "Internet traffic per day", queries.WAN_TRAFFIC,
    series("local_date", "gigabytes", "direction", kind="bar", y_title="GB"),
    note="Bytes over the WAN port of each router that probes the internet, per site-local day.",
    none_message="No WAN traffic in this range.",
))  # fmt: skip
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


@dataclass(frozen=True)
class UplinkStatus:
    """One router's internet connection now: "up for 3 d 4 h, 12.8 ms, 0.0 % loss" and the figures' age."""

    device_id: str
    is_down: bool
    since_at: datetime | None
    is_since_first_probe: bool  # no outage seen: up at least since the first probe
    target_address: str | None
    rtt_p50_ms: float | None
    loss_pct: float | None
    age: Age

    def line(self, now: datetime) -> str:
        since = span(now - self.since_at) if self.since_at else "–"
        if self.is_down:
            return f"down for {since}"
        at_least = "at least " if self.is_since_first_probe else ""
        rtt = "–" if self.rtt_p50_ms is None else f"{self.rtt_p50_ms:.0f} ms"
        loss = "–" if self.loss_pct is None else f"{self.loss_pct:g}% loss"
        return f"up for {at_least}{since}, {rtt}, {loss}"


def uplink_status(wh: Warehouse, now: datetime) -> tuple[list[UplinkStatus], str | None]:
    """Every probing router's connection now, and why there is none (a mart not built) if so."""
    result = wh.run(queries.UPLINK_STATUS)
    statuses = [
        UplinkStatus(
            r["device_id"],
            r["is_down"],
            r["since_at"],
            r["is_since_first_probe"],
            r["target_address"],
            r["rtt_p50_ms"],
            r["loss_pct"],
            age_of(r["newest_hour_at"], now, "uplink"),
        )
        for r in result.records()
    ]
    return statuses, result.missing


@router.get("/network")
def network(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    now = page_now()
    values = ChartContext(tr=tr, now=now).values()
    interfaces = wh.run(queries.INTERFACE_TOTALS, values)
    uplinks, uplink_missing = uplink_status(wh, now)
    outages = wh.run(queries.UPLINK_OUTAGES, values)
    public_ips = wh.run(queries.PUBLIC_IPS, values)
    ports = wh.run(queries.SWITCH_PORTS)
    port_ages = {r["device_id"]: age_of(r["observed_at"], now, "devices") for r in ports.records()}
    return render(
        request,
        "network.html",
        title="Network",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=interfaces.missing,
        interfaces=interfaces.records(),
        now=now,
        uplinks=uplinks,
        uplink_missing=uplink_missing,
        outages=outages.records(),
        outages_missing=outages.missing,
        public_ips=public_ips.records(),
        public_ips_missing=public_ips.missing,
        ports=ports.records(),
        ports_missing=ports.missing,
        port_ages=port_ages,
        **edge_sections(wh, values),
        charts=[
            "uplink_latency",
            "wan_traffic",
            "external_by_country",
            "switch_port_traffic",
            "wifi_clients",
            "wifi_signal",
            "interface_traffic",
        ],
    )
