"""People & doors and the age of "now" figures, against the shared network run's real warehouse."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import duckdb
import pytest

from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from tests.conftest import NetworkRun
from tests.pinned_time import clock_from
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration

LATER = timedelta(days=3)  # long after the run's last reading: every "now" figure is stale


def _sql(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with connect_readonly(settings.warehouse.path) as con:
        return con.execute(sql).fetchall()


def test_presence_sessions_split_stays_at_absences(demo_settings: Settings) -> None:
    # the simulated people leave in the morning and come back later: each phone has stays with a gap
    rows = _sql(demo_settings, """
        select device_name, count(*), max(is_ongoing::int), bool_and(arrived_at <= left_at)
        from presence_sessions where device_type = 'phone' and is_known group by 1 order by 1
    """)  # fmt: skip
    assert [r[0] for r in rows] == ["Anna's phone", "Jonas' phone", "Mia's phone"]
    assert all(stays >= 2 and ordered for _, stays, _, ordered in rows)
    gaps = _sql(demo_settings, """
        select min(arrived_at - prev_left) from (
            select arrived_at, lag(left_at) over (partition by mac order by arrived_at) as prev_left
            from presence_sessions)
        where prev_left is not null
    """)  # fmt: skip
    assert gaps[0][0] > timedelta(seconds=900)  # var presence_gap_s


def test_people_page_lists_who_is_home_comings_goings_and_doors(demo_settings: Settings) -> None:
    home = _sql(demo_settings, """
        select device_name from presence_sessions
        where is_ongoing and (device_type = 'phone' or not is_known) order by 1
    """)  # fmt: skip
    doors = _sql(demo_settings, "select count(*) from door_events")[0][0]  # the 1.5-day run lies within 7d
    text = client_for(demo_settings).get("/people", params={"range": "7d"}).text
    assert 'href="/people" class="active"' in text
    listed = re.search(r'<ul class="people" id="home-now">(.*?)</ul>', text, re.S)
    assert listed and home
    for (name,) in home:
        assert name.replace("'", "&#39;") in listed.group(1)
    changes = re.search(r'<table id="presence-changes">(.*?)</table>', text, re.S)
    assert changes and "left" in changes.group(1) and "arrived" in changes.group(1)
    door_rows = re.search(r'<table id="door-events">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert door_rows and door_rows.group(1).count("<tr") == doors > 0
    assert 'data-chart="day_timeline"' in text and 'data-chart="motion_by_room"' in text


def test_day_timeline_holds_stays_doors_and_motion_of_one_day(demo_settings: Settings) -> None:
    day = _sql(demo_settings, "select max(timezone('Europe/Berlin', event_at))::date from door_events")[0][0]
    assert demo_settings.site.timezone == "Europe/Berlin"
    body = client_for(demo_settings).get("/api/charts/day_timeline", params={"from": str(day), "to": str(day)}).json()
    by_name = {trace["name"]: trace for trace in body["data"]}
    assert set(by_name) == {"at home", "door", "motion"}
    assert all(str(x).startswith(str(day)) for x in by_name["door"]["x"] + by_name["motion"]["x"])
    assert all(ms > 0 for ms in by_name["at home"]["x"]) and "Anna's phone" in by_name["at home"]["y"]
    assert any(lane.startswith("Motion · Living room") for lane in by_name["motion"]["y"])
    rooms = client_for(demo_settings).get("/api/charts/motion_by_room", params={"range": "7d"}).json()
    assert {"Hall", "Kitchen", "Living room"} <= {trace["name"] for trace in rooms["data"]}


def test_now_figures_carry_their_age_and_are_current_right_after_collection(demo_settings: Settings) -> None:
    client = client_for(demo_settings)
    energy = client.get("/energy").text
    figures = re.findall(r'<span class="now-figure( stale)?"', energy)
    assert figures and not any(figures)  # right after the run every circuit reported moments ago
    assert re.search(r"\d+ W <span class=\"age\">· [\d.]+ (s|min) ago", energy)
    overview = client.get("/").text
    assert 'id="tile-devices"' in overview and 'class="tile stale" id="tile-devices"' not in overview
    assert 'class="tile" id="tile-collectors"' in overview and 'id="polls-age"' in overview


def test_now_figures_grey_out_long_after_the_last_reading(demo_settings: Settings, network_run: NetworkRun) -> None:
    client = client_for(demo_settings)
    with clock_from(network_run.collected_until + LATER):
        energy = client.get("/energy").text
        live = client.get("/api/charts/energy_live").json()
        overview = client.get("/").text
        climate = client.get("/climate").text
    stale = re.findall(r'<span class="now-figure stale"[^>]*>[^<]*<span class="age">· ([^<]+)</span>', energy)
    assert stale and all(age.startswith("3.0 d ago") for age in stale)
    assert 'class="now-figure"' not in energy
    assert all(live["data"][0]["marker"]["color"][i] == "#b8bec8" for i in range(len(live["data"][0]["x"])))
    assert all(" · 3.0 d ago" in label for label in live["data"][0]["text"])
    assert 'class="tile stale" id="tile-devices"' in overview and 'class="tile stale" id="tile-energy"' in overview
    assert 'class="tile stale" id="tile-collectors"' in overview  # "0 failing" 3 days ago is no news
    assert "3.0 d ago" in overview
    assert climate.count('class="stale-row"') >= 3 and "Kids room" in climate


def test_partial_days_are_marked_once_the_marts_say_so(demo_settings: Settings, empty_settings: Settings) -> None:
    """Before the completeness columns exist nothing is hatched; with them, incomplete days are."""
    client = client_for(demo_settings)
    columns = {name for (name,) in _sql(demo_settings, "select name from pragma_table_info('power_daily_by_room')")}
    before = client.get("/api/charts/energy_daily", params={"range": "7d"}).json()
    hatched = [s for t in before["data"] for s in t.get("marker", {}).get("pattern", {}).get("shape", [])]
    if "is_complete" not in columns:  # a warehouse from before the completeness work: nothing to mark
        assert before["data"] and "/" not in hatched
    else:  # since then: exactly the room-days the mart calls incomplete
        incomplete = _sql(demo_settings, "select count(*) from power_daily_by_room where not is_complete")[0][0]
        assert hatched.count("/") == incomplete
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        if "is_complete" not in columns:
            con.execute("alter table power_daily_by_room add column coverage double")
            con.execute("alter table power_daily_by_room add column is_complete boolean")
        con.execute("update power_daily_by_room set coverage = 0.5, is_complete = false")
    after = client_for(empty_settings).get("/api/charts/energy_daily", params={"range": "7d"}).json()
    shapes = [s for t in after["data"] for s in t["marker"]["pattern"]["shape"]]
    assert shapes and set(shapes) == {"/"}
    assert " (partial: 50% covered)" in after["data"][0]["customdata"]
    # the inverter's days already carry is_complete: the run's 1.5 days are both partial
    flows = client.get("/api/charts/power_flows_daily", params={"range": "7d"}).json()
    assert flows["data"] and all(set(t["marker"]["pattern"]["shape"]) == {"/"} for t in flows["data"])


def test_energy_ranks_devices_by_name(demo_settings: Settings) -> None:
    body = client_for(demo_settings).get("/api/charts/energy_devices", params={"range": "7d"}).json()
    names, values = body["data"][0]["y"], body["data"][0]["x"]
    assert "Heat pump & pumps" in names  # named from the inventory, not the Shelly id
    assert values == sorted(values)  # largest on top (Plotly draws the last bar on top)


def test_partial_hours_of_a_metering_device_are_hatched(demo_settings: Settings) -> None:
    mac = _sql(demo_settings, "select mac from inventory where display_name = 'Heat pump & pumps'")[0][0]
    body = client_for(demo_settings).get("/api/charts/device_energy", params={"range": "7d", "mac": mac}).json()
    trace = body["data"][0]
    shapes = dict(zip(trace["x"], trace["marker"]["pattern"]["shape"], strict=True))
    # the run's history starts inside an hour and its live collection stops inside one: those are partial;
    # the hours in between are covered by the counter readings
    assert "/" in shapes.values() and "" in shapes.values()
    assert list(shapes.values())[-1] == "/"
