"""Chart registry: each chart is a named query plus a function turning its rows into a Plotly figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from homelake.web.db import Result
from homelake.web.fmt import duration, room_name
from homelake.web.queries import Query
from homelake.web.timerange import TimeRange

Figure = dict[str, Any]


@dataclass(frozen=True)
class ChartContext:
    """Everything a chart query may bind: the range, the site zone, and a validated MAC."""

    tr: TimeRange
    mac: str | None = None
    now: datetime | None = None

    def values(self) -> dict[str, Any]:
        tz = self.tr.tz
        return {
            "now_at": self.now or datetime.now(UTC),
            # the range's last site-local day: the People page's day timeline
            "day_start_at": datetime.combine(self.tr.last_day, time(0), tzinfo=tz).astimezone(UTC),
            "day_end_at": datetime.combine(self.tr.last_day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC),
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
    # said instead of a chart when the range has no rows, or only zeros: "none" is an answer, not a gap
    none_message: str = "No data in this range."


CHARTS: dict[str, Chart] = {}


def register(chart: Chart) -> Chart:
    if chart.name in CHARTS:
        raise ValueError(f"chart {chart.name} registered twice")
    CHARTS[chart.name] = chart
    return chart


GREY = "#b8bec8"
PARTIAL_NOTE = "Hatched: partial (readings cover only part of it)."


def _layout(x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    # The legend sits above the plot (left-aligned, wrapping), so it never covers the x-axis title, and
    # the axis titles stand off their tick labels; automargin makes room for both on a narrow phone.
    return {
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"title": {"text": x_title, "standoff": 8}, "automargin": True},
        "yaxis": {"title": {"text": y_title, "standoff": 8}, "automargin": True},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def right_axis(title: str, *, from_zero: bool = True) -> dict[str, Any]:
    """A second y axis on the right (`yaxis2`) for a trace drawn with `"yaxis": "y2"` beside the main one."""
    axis: dict[str, Any] = {"title": {"text": title}, "overlaying": "y", "side": "right", "showgrid": False,
                            "automargin": True}  # fmt: skip
    return axis | {"rangemode": "tozero"} if from_zero else axis


def _label(value: Any, group: str) -> str:
    if group == "room":
        return room_name(value)
    return str(value) if value is not None else "(none)"


def _grouped(result: Result, group: str) -> dict[str, list[dict[str, Any]]]:
    series: dict[str, list[dict[str, Any]]] = {}
    for record in result.records():
        series.setdefault(_label(record[group], group), []).append(record)
    return series


def series(
    x: str,
    y: str,
    group: str,
    *,
    kind: str = "line",
    stacked: bool = False,
    x_title: str = "",
    y_title: str = "",
    partial: str | None = None,
) -> Callable[[Result], Figure]:
    """One trace per `group` value (rooms by their friendly names): lines, or bars (stacked or side by
    side). With `partial`, bars whose row has that column true are hatched and say so on hover."""

    def build(result: Result) -> Figure:
        traces = []
        for name, records in _grouped(result, group).items():
            trace: dict[str, Any] = {"name": name, "x": [r[x] for r in records], "y": [r[y] for r in records]}
            if kind == "bar":
                trace["type"] = "bar"
                if partial and partial in result.columns:
                    flags = [bool(r[partial]) for r in records]
                    trace["marker"] = {"pattern": {"shape": ["/" if f else "" for f in flags], "solidity": 0.45}}
                    trace["customdata"] = [_partial_text(r) if f else "" for r, f in zip(records, flags, strict=True)]
                    trace["hovertemplate"] = "%{y}%{customdata}"
            else:
                trace.update(type="scatter", mode="lines", line={"width": 1.6}, connectgaps=False)
            traces.append(trace)
        extra = {"barmode": "stack" if stacked else "group"} if kind == "bar" else {}
        return {"data": traces, "layout": _layout(x_title, y_title, **extra)}

    return build


def _partial_text(record: dict[str, Any]) -> str:
    coverage = record.get("coverage")
    return f" (partial: {coverage:.0%} covered)" if isinstance(coverage, float) else " (partial)"


def hbar(label: str, value: str, *, x_title: str = "", unit: str = "") -> Callable[[Result], Figure]:
    """Horizontal bars, one per row, largest on top. Rows with an `age_s` column are labelled with their
    age ("12 W · 3.5 h ago"), and greyed when `is_stale` is true."""

    def build(result: Result) -> Figure:
        rows = list(reversed(result.records()))
        trace: dict[str, Any] = {
            "type": "bar",
            "orientation": "h",
            "y": [_label(r[label], label) for r in rows],
            "x": [r[value] for r in rows],
        }
        if "age_s" in result.columns:
            trace["text"] = [_aged(r[value], unit, r["age_s"]) for r in rows]
            trace["textposition"] = "auto"
            stale = [bool(r.get("is_stale")) for r in rows]
            trace["marker"] = {"color": [GREY if s else "#2563eb" for s in stale]}
        height = max(220, 26 * len(rows) + 60)
        return {"data": [trace], "layout": _layout(x_title, "", height=height, hovermode="closest")}

    return build


def _aged(value: Any, unit: str, age_s: Any) -> str:
    shown = "–" if value is None else f"{value:,.0f} {unit}".strip()
    return shown if age_s is None else f"{shown} · {duration(float(age_s))} ago"


TIMELINE_COLORS = {"home": "#2563eb", "door": "#b45309", "motion": "#15803d"}


def timeline(result: Result) -> Figure:
    """A day on one time axis: each person's stays at home as bars, door and motion events as marks.
    Rows: kind (home, door, motion), lane (the row label), start_local, end_local (home only), detail."""
    traces: list[dict[str, Any]] = []
    stays = [r for r in result.records() if r["kind"] == "home"]
    if stays:
        traces.append({
            "type": "bar", "orientation": "h", "name": "at home",
            "y": [r["lane"] for r in stays],
            "base": [r["start_local"] for r in stays],
            # bars on a date axis are as long as the stay in milliseconds
            "x": [(r["end_local"] - r["start_local"]).total_seconds() * 1000 for r in stays],
            "customdata": [r["detail"] for r in stays],
            "hovertemplate": "%{y}: %{customdata}<extra></extra>",
            "marker": {"color": TIMELINE_COLORS["home"]},
        })  # fmt: skip
    for kind, symbol in (("door", "diamond"), ("motion", "circle")):
        marks = [r for r in result.records() if r["kind"] == kind]
        if marks:
            traces.append({
                "type": "scatter", "mode": "markers", "name": kind,
                "y": [r["lane"] or f"Motion · {room_name(r['room'])}" for r in marks],
                "x": [r["start_local"] for r in marks],
                "customdata": [r["detail"] for r in marks],
                "hovertemplate": "%{x|%H:%M} %{y}: %{customdata}<extra></extra>",
                "marker": {"symbol": symbol, "size": 9, "color": TIMELINE_COLORS[kind]},
            })  # fmt: skip
    lanes = len({r["lane"] or r["room"] for r in result.records()})
    layout = _layout("", "", height=max(220, 34 * lanes + 90), hovermode="closest", barmode="overlay")
    layout["xaxis"]["type"] = "date"
    layout["yaxis"]["autorange"] = "reversed"
    return {"data": traces, "layout": layout}


def _is_all_zero(figure: Figure) -> bool:
    """No trace has a value other than zero or null: a flat line of zeros is no chart."""
    for trace in figure["data"]:
        axis = "x" if trace.get("orientation") == "h" else "y"
        values = trace["link"]["value"] if trace.get("type") == "sankey" else trace.get(axis, [])
        if any(v not in (0, None) for v in values):
            return False
    return True


def render(chart: Chart, result: Result) -> dict[str, Any]:
    """The JSON a chart endpoint returns: a figure, or an empty state saying why there is none (a table
    not built yet, or nothing, or only zeros, in the range: the chart's own "none" message)."""
    head = {"name": chart.name, "title": chart.title}
    if result.missing:
        return {**head, "empty": True, "message": f"No data yet: {result.missing}.", "data": [], "layout": {}}
    figure = chart.figure(result) if not result.empty else {"data": []}
    if result.empty or (chart.figure is not timeline and _is_all_zero(figure)):
        return {**head, "empty": True, "none": True, "message": chart.none_message, "data": [], "layout": {}}
    return {**head, "empty": False, "rows": len(result.rows), **figure}
