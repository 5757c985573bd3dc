"""The Network page's edge sections: external traffic by country and ASN, new and unexpected destinations,
inbound attempts, switch port traffic and PoE energy per port and day (all from marts; flows are personal data,
served only behind the dashboard's access rule like every route)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from homelake.web import queries
from homelake.web.charts import Chart, Figure, _layout, register, series
from homelake.web.db import Result, Warehouse

PORT_COLORS = ("#2563eb", "#15803d", "#b45309", "#7c3aed", "#0891b2", "#be123c", "#4d7c0f", "#9333ea")


def country_figure(result: Result) -> Figure:
    """Stacked bars of MB per country, one colour per device, the countries sorted by their total."""
    figure = series("country", "megabytes", "device", kind="bar", stacked=True, y_title="MB")(result)
    figure["layout"]["xaxis"]["categoryorder"] = "total descending"
    return figure


def port_traffic_figure(result: Result) -> Figure:
    """Per port: bytes received on it (solid) and sent out of it (dotted, same colour), one legend entry each."""
    ports: dict[str, list[dict[str, Any]]] = {}
    for record in result.records():
        ports.setdefault(record["port"], []).append(record)
    traces: list[dict[str, Any]] = []
    for index, (port, rows) in enumerate(ports.items()):
        color = PORT_COLORS[index % len(PORT_COLORS)]
        x = [r["period_start"] for r in rows]
        for column, label, dash in (("in_megabytes", "in", "solid"), ("out_megabytes", "out", "dot")):
            traces.append({
                "type": "scatter", "mode": "lines", "name": f"{port} {label}", "legendgroup": port,
                "x": x, "y": [r[column] for r in rows], "line": {"width": 1.4, "color": color, "dash": dash},
            })  # fmt: skip
    return {"data": traces, "layout": _layout("", "MB")}


register(Chart(
    "external_by_country", "External traffic per country (busiest 8 devices)", queries.EXTERNAL_BY_COUNTRY,
    country_figure,
    note="Bytes sent and received between each LAN device and the outside, by the country GeoIP gives the outside "
    "address ('unknown': no GeoIP database or no answer).",
    none_message="No external traffic in this range.",
))  # fmt: skip
register(Chart(
    "switch_port_traffic", "Switch port traffic (busiest 8 ports)", queries.SWITCH_PORT_TRAFFIC, port_traffic_figure,
    note="MB per hour (per day for long ranges) from the switch's SNMP counters: solid, received on the port "
    "(what the device on it sent); dotted, sent out of it.",
    none_message="No switch port traffic in this range.",
))  # fmt: skip


@dataclass
class PoeDays:
    """PoE energy per port (rows) and site-local day (columns); `partial_days` are days some port did not cover."""

    days: list[date] = field(default_factory=list)
    ports: list[dict[str, Any]] = field(default_factory=list)
    partial_days: set[date] = field(default_factory=set)
    missing: str | None = None

    @property
    def total_wh(self) -> float:
        return sum(p["total_wh"] for p in self.ports)


def poe_days(result: Result) -> PoeDays:
    """Pivot poe_energy_daily's rows: one row per switch port with its energy on each day and its total."""
    table = PoeDays(missing=result.missing)
    by_port: dict[tuple[str, int], dict[str, Any]] = {}
    for r in result.records():
        port = by_port.setdefault((r["switch"], r["port_number"]), {
            "switch": r["switch"], "port_number": r["port_number"], "port_name": r["port_name"],
            "powered_device": r["powered_device"], "room": r["room"], "wh": {}, "total_wh": 0.0,
        })  # fmt: skip
        energy = float(r["energy_wh"] or 0.0)
        port["wh"][r["local_date"]] = energy
        port["total_wh"] += energy
        if r["is_complete"] is False:
            table.partial_days.add(r["local_date"])
    table.days = sorted({day for p in by_port.values() for day in p["wh"]})
    table.ports = list(by_port.values())
    return table


def _is_unexpected(new: dict[str, Any], unexpected: list[dict[str, Any]]) -> bool:
    """A new country (or ASN) the allow-list does not allow for the device: its row is highlighted."""
    key = "country_code" if new["destination_kind"] == "country" else "asn"
    return any(u["mac"] == new["mac"] and u[key] == new[key] for u in unexpected)


def edge_sections(wh: Warehouse, values: dict[str, Any]) -> dict[str, Any]:
    """Everything the template's edge sections need; a missing mart leaves its section an empty state."""
    destinations = wh.run(queries.EXTERNAL_DESTINATIONS, values)
    new = wh.run(queries.NEW_DESTINATIONS, values)
    unexpected = wh.run(queries.UNEXPECTED_DESTINATIONS, values)
    inbound = wh.run(queries.INBOUND_ATTEMPTS, values)
    poe = poe_days(wh.run(queries.POE_ENERGY_DAYS, values))
    flagged = unexpected.records()
    new_rows = [{**row, "is_unexpected": _is_unexpected(row, flagged)} for row in new.records()]
    return {
        "destinations": destinations.records(),
        "destinations_missing": destinations.missing,
        "top_destinations": queries.TOP_DESTINATIONS,
        "new_destinations": new_rows,
        "new_missing": new.missing,
        "unexpected": unexpected.records(),
        "unexpected_missing": unexpected.missing,
        "inbound": inbound.records(),
        "inbound_missing": inbound.missing,
        "poe": poe,
    }
