"""Chart registry: each chart is a named query plus a function turning its rows into a Plotly figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homelake.web.db import Result
from homelake.web.queries import Query
from homelake.web.timerange import TimeRange

Figure = dict[str, Any]


@dataclass(frozen=True)
class ChartContext:
    """Everything a chart query may bind: the range, the site zone, and a validated MAC."""

    tr: TimeRange
    mac: str | None = None

    def values(self) -> dict[str, Any]:
        tz = self.tr.tz
        return {
            **self.tr.utc_params(),
            **self.tr.day_params(),
            "bucket": self.tr.bucket,
            "tz": tz.key,
            "mac": self.mac,
            "mac_hex": (self.mac or "").replace(":", ""),
            "top": 8,
        }


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    query: Query
    figure: Callable[[Result], Figure]
    needs_mac: bool = False
    note: str = ""


CHARTS: dict[str, Chart] = {}


def register(chart: Chart) -> Chart:
    if chart.name in CHARTS:
        raise ValueError(f"chart {chart.name} registered twice")
    CHARTS[chart.name] = chart
    return chart


def _layout(x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 56, "r": 16, "t": 8, "b": 44},
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def _grouped(result: Result, x: str, y: str, group: str) -> dict[str, tuple[list[Any], list[Any]]]:
    xi, yi, gi = (result.columns.index(c) for c in (x, y, group))
    series: dict[str, tuple[list[Any], list[Any]]] = {}
    for row in result.rows:
        xs, ys = series.setdefault(str(row[gi] if row[gi] is not None else "(none)"), ([], []))
        xs.append(row[xi])
        ys.append(row[yi])
    return series


def series(
    x: str, y: str, group: str, *, kind: str = "line", stacked: bool = False, x_title: str = "", y_title: str = ""
) -> Callable[[Result], Figure]:
    """One trace per `group` value: lines, or bars (stacked or side by side)."""

    def build(result: Result) -> Figure:
        traces = []
        for name, (xs, ys) in _grouped(result, x, y, group).items():
            trace: dict[str, Any] = {"name": name, "x": xs, "y": ys}
            if kind == "bar":
                trace["type"] = "bar"
            else:
                trace.update(type="scatter", mode="lines", line={"width": 1.6}, connectgaps=False)
            traces.append(trace)
        extra = {"barmode": "stack" if stacked else "group"} if kind == "bar" else {}
        return {"data": traces, "layout": _layout(x_title, y_title, **extra)}

    return build


def hbar(label: str, value: str, *, x_title: str = "") -> Callable[[Result], Figure]:
    """Horizontal bars, one per row, largest on top."""

    def build(result: Result) -> Figure:
        li, vi = result.columns.index(label), result.columns.index(value)
        rows = list(reversed(result.rows))
        trace = {"type": "bar", "orientation": "h", "y": [str(r[li]) for r in rows], "x": [r[vi] for r in rows]}
        height = max(220, 26 * len(rows) + 60)
        return {"data": [trace], "layout": _layout(x_title, "", height=height, hovermode="closest")}

    return build


def render(chart: Chart, result: Result) -> dict[str, Any]:
    """The JSON a chart endpoint returns: a figure, or an empty state saying why there is none."""
    if result.empty:
        message = f"No data yet: {result.missing}." if result.missing else "No data in this range."
        return {"name": chart.name, "title": chart.title, "empty": True, "message": message, "data": [], "layout": {}}
    figure = chart.figure(result)
    return {"name": chart.name, "title": chart.title, "empty": False, "rows": len(result.rows), **figure}
