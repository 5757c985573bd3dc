"""Chart figures and "now" ages from hand-made rows: none instead of flat zeros, hatching, ages, room names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homelake.web.charts import GREY, Chart, hbar, render, series, timeline
from homelake.web.db import Result
from homelake.web.fmt import room_name
from homelake.web.queries import q
from homelake.web.staleness import STALE_AFTER, age_of

NOW = datetime(2026, 12, 9, 12, 40, tzinfo=UTC)
QUERY = q("test", "select 1")


def _chart(figure: object, none_message: str = "None: nothing failed.") -> Chart:
    return Chart("test", "Test", QUERY, figure, none_message=none_message)  # type: ignore[arg-type]


def test_only_zeros_is_none_not_a_flat_line() -> None:
    rows = [(f"2026-12-09 {h:02}:00", f"target-{t}", 0) for h in range(3) for t in range(13)]
    result = Result(columns=["period_start", "target", "failed_polls"], rows=rows)
    body = render(_chart(series("period_start", "failed_polls", "target", kind="bar")), result)
    assert body["empty"] and body["none"] and body["message"] == "None: nothing failed." and body["data"] == []
    rows[5] = ("2026-12-09 00:00", "target-5", 2)
    drawn = render(_chart(series("period_start", "failed_polls", "target", kind="bar")), result)
    assert not drawn["empty"] and len(drawn["data"]) == 13


def test_a_missing_table_says_so_and_no_rows_says_none() -> None:
    chart = _chart(series("x", "y", "g"), none_message="No motion.")
    missing = render(chart, Result(missing="motion_events is not in the warehouse yet"))
    assert missing["message"] == "No data yet: motion_events is not in the warehouse yet." and "none" not in missing
    assert render(chart, Result(columns=["x", "y", "g"]))["message"] == "No motion."


def test_partial_bars_are_hatched_with_their_coverage() -> None:
    result = Result(
        columns=["local_date", "room", "energy_kwh", "coverage", "is_partial"],
        rows=[("2026-12-08", "kids_room", 1.0, 1.0, False), ("2026-12-09", "kids_room", 0.4, 0.25, True)],
    )
    trace = series("local_date", "energy_kwh", "room", kind="bar", partial="is_partial")(result)["data"][0]
    assert trace["name"] == "Kids room"
    assert trace["marker"]["pattern"]["shape"] == ["", "/"]
    assert trace["customdata"] == ["", " (partial: 25% covered)"]


def test_without_a_partial_column_nothing_is_hatched() -> None:
    result = Result(columns=["local_date", "room", "energy_kwh"], rows=[("2026-12-08", "hall", 1.0)])
    trace = series("local_date", "energy_kwh", "room", kind="bar", partial="is_partial")(result)["data"][0]
    assert "marker" not in trace


def test_power_now_bars_carry_their_age_and_stale_ones_are_grey() -> None:
    result = Result(
        columns=["circuit", "power_w", "age_s", "is_stale"],
        rows=[("heat_pump", 12.0, 3.5 * 3600, True), ("hot_water", 800.0, 30.0, False)],
    )
    trace = hbar("circuit", "power_w", unit="W")(result)["data"][0]
    # largest on top: Plotly draws the last row on top, so the rows come reversed
    assert trace["text"] == ["800 W · 30 s ago", "12 W · 3.5 h ago"]
    assert trace["marker"]["color"][1] == GREY and trace["marker"]["color"][0] != GREY


def test_timeline_draws_stays_as_bars_and_events_as_marks() -> None:
    start = datetime(2026, 12, 9, 7, 0)
    rows = [
        ("home", "Anna's phone", None, start, start + timedelta(hours=2), "07:00–09:00"),
        ("door", "Door: front_door_lock", None, start + timedelta(hours=2), None, "unlock (keypad), user 1"),
        ("motion", None, "living", start + timedelta(hours=1), None, "motion living_motion"),
    ]
    result = Result(columns=["kind", "lane", "room", "start_local", "end_local", "detail"], rows=rows)
    figure = render(_chart(timeline), result)
    bars, doors, motion = figure["data"]
    assert bars["x"] == [2 * 3600 * 1000] and bars["base"] == [start]
    assert doors["y"] == ["Door: front_door_lock"] and motion["y"] == ["Motion · Living room"]
    assert figure["layout"]["xaxis"]["type"] == "date"


def test_ages_grey_out_after_their_kind_allows() -> None:
    fresh = age_of(NOW - timedelta(minutes=2), NOW, "power")
    assert not fresh.is_stale and fresh.text == "2.0 min ago"
    old = age_of(NOW - timedelta(hours=3, minutes=30), NOW, "power")
    assert old.is_stale and old.text == "3.5 h ago" and "stale" in old.title
    assert not age_of(NOW - timedelta(hours=1), NOW, "climate").is_stale
    assert age_of(NOW - STALE_AFTER["climate"] - timedelta(seconds=1), NOW, "climate").is_stale
    nothing = age_of(None, NOW, "energy")
    assert nothing.is_stale and nothing.text == "no reading"


def test_room_names_read_as_people_say_them() -> None:
    assert room_name("kids_room") == "Kids room"
    assert room_name("living") == "Living room"
    assert room_name("utility") == "Utility room"
    assert room_name("kitchen") == "Kitchen"
    assert room_name("guest-bath") == "Guest bath"
    assert room_name(None) == "(no room)"
