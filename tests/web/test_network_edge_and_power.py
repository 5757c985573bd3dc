"""The Network page's internet uplink and switch, the Power page and the Overview's internet line, against the
shared network run's real warehouse; and both pages with their marts missing or empty."""

from __future__ import annotations

import html
import re
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from homelake.secrets import SecretRef
from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from homelake.web.config import DashboardAuth, DashboardConfig
from homelake.web.fmt import size, span
from homelake.web.queries import TOP_DESTINATIONS
from homelake.web.routes.network import UplinkStatus
from homelake.web.staleness import age_of
from tests.conftest import NetworkRun
from tests.pinned_time import clock_from
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration

NETWORK_CHARTS = ["uplink_latency", "wan_traffic", "external_by_country", "switch_port_traffic"]
POWER_CHARTS = ["power_day", "power_books", "power_hourly", "battery_soc", "self_sufficiency", "pv_ratio", "weather"]
# the marts the two pages read, beyond the wifi and interface ones
EDGE_MARTS = ["uplink_outages", "uplink_quality_hourly", "public_ip_history", "wan_traffic_daily",
              "switch_ports_latest"]  # fmt: skip
# the flow, switch traffic and PoE energy marts behind the Network page's edge sections
FLOW_MARTS = ["external_traffic_daily", "new_destinations", "device_destinations_unexpected", "inbound_attempts_daily",
              "switch_port_traffic_hourly", "poe_energy_daily"]  # fmt: skip
FLOW_MISSING = ["No external traffic data yet (external_traffic_daily is not in the warehouse yet)",
                "No destination data yet (new_destinations is not in the warehouse yet)",
                "No allow-list check yet (device_destinations_unexpected is not in the warehouse yet)",
                "No inbound data yet (inbound_attempts_daily is not in the warehouse yet)",
                "No PoE energy yet (poe_energy_daily is not in the warehouse yet)"]  # fmt: skip
POWER_MARTS = ["inverter_latest", "energy_flows_daily", "energy_flows_hourly", "battery_daily", "generator_runs",
               "self_sufficiency_daily", "pv_performance_daily", "weather_hourly", "meter_crosscheck_daily",
               "energy_meter_hourly"]  # fmt: skip


def _sql(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with connect_readonly(settings.warehouse.path) as con:
        return con.execute(sql).fetchall()


def _table(text: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert found, f"no table {table_id}"
    return found.group(1)


def test_span_says_a_stretch_in_its_two_largest_units() -> None:
    assert span(timedelta(days=3, hours=4, minutes=59)) == "3 d 4 h"
    assert span(timedelta(hours=5, minutes=12)) == "5 h 12 min"
    assert span(timedelta(minutes=7, seconds=3)) == "7 min"
    assert span(40) == "40 s"
    assert span(None) == "–"


def test_uplink_line_says_up_or_down_since_when() -> None:
    now = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
    age = age_of(now - timedelta(minutes=30), now, "uplink")
    up = UplinkStatus("fw", False, now - timedelta(days=3, hours=4), False, "1.1.1.1", 11.4, 0.0, age)
    assert up.line(now) == "up for 3 d 4 h, 11 ms, 0% loss"
    never_down = UplinkStatus("fw", False, now - timedelta(hours=2), True, "1.1.1.1", 11.4, 2.5, age)
    assert never_down.line(now) == "up for at least 2 h 0 min, 11 ms, 2.5% loss"
    down = UplinkStatus("fw", True, now - timedelta(minutes=25), False, "1.1.1.1", None, 100.0, age)
    assert down.line(now) == "down for 25 min"


def test_network_page_shows_the_uplink_outages_public_ips_and_switch_ports(
    demo_settings: Settings, network_run: NetworkRun
) -> None:
    outages = _sql(demo_settings, "select count(*), max(ended_at) from uplink_outages where device_id = 'fw'")[0]
    ips = _sql(demo_settings, "select public_ip from public_ip_history order by first_seen_at desc")
    ports = _sql(demo_settings, "select count(*), sum(power_w) from switch_ports_latest")[0]
    newest = _sql(demo_settings, """
        select rtt_p50_ms from uplink_quality_hourly
        where hour_start = (select max(hour_start) from uplink_quality_hourly) order by rtt_p50_ms desc limit 1
    """)[0][0]  # fmt: skip
    assert outages[0] >= 3 and len(ips) == 2 and ports[0] == 10  # the run holds outages, an address change, 10 ports
    text = client_for(demo_settings).get("/network", params={"range": "7d"}).text
    line = re.search(r'class="sub uplink-line">internet: (.*?)</span>', text)
    # the page's clock ticks on from the end of the run's collection: its minutes may have turned once since
    pages_now = (network_run.collected_until, network_run.collected_until + timedelta(minutes=1))
    rest = f", {newest:.0f} ms, 0% loss"
    assert line and line.group(1) in {f"up for {span(t - outages[1])}{rest}" for t in pages_now}  # type: ignore[operator]
    assert _table(text, "uplink-outages").count("<tr") == outages[0]
    for cause in ("WAN link down (cable, modem)", "ISP&#39;s gateway unreachable", "beyond the gateway"):
        assert cause in text
    listed = _table(text, "public-ips")
    assert [ip for (ip,) in ips] == re.findall(r'<td class="mono">(\d+\.\d+\.\d+\.\d+)</td><td>', listed)
    assert "now (last seen" in listed
    assert _table(text, "switch-ports").count("<tr") == ports[0]
    assert re.search(rf'PoE total</td><td class="num">{ports[1]:.1f}<', text)
    assert "cam-driveway" in text and 'id="ports-age-css610"' in text


def test_network_outages_follow_the_range(demo_settings: Settings) -> None:
    first = _sql(demo_settings, "select min(started_at) from uplink_outages")[0][0]
    day = first.astimezone(demo_settings.tz).date()  # type: ignore[union-attr]
    in_day = _sql(demo_settings, f"""
        select count(*) from uplink_outages
        where timezone('{demo_settings.site.timezone}', started_at)::date <= '{day}'
    """)[0][0]  # fmt: skip
    text = client_for(demo_settings).get("/network", params={"from": str(day), "to": str(day)}).text
    assert 0 < _table(text, "uplink-outages").count("<tr") == in_day


def test_overview_has_the_internet_line_and_the_ranges_outages(demo_settings: Settings) -> None:
    outages = _sql(demo_settings, "select count(*) from uplink_outages")[0][0]
    text = client_for(demo_settings).get("/", params={"range": "7d"}).text
    assert re.search(r"internet: up for [^<]+, \d+ ms, [\d.]+% loss", text)
    assert f">{outages} outages in this range</a>" in text


@pytest.mark.parametrize("name", NETWORK_CHARTS + POWER_CHARTS)
def test_edge_and_power_charts_have_data(demo_settings: Settings, name: str) -> None:
    body = client_for(demo_settings).get(f"/api/charts/{name}", params={"range": "7d"}).json()
    trace = body["data"][0]
    assert not body["empty"] and (trace["link"]["value"] if name == "power_day" else trace["x"]), body


def test_day_flow_diagram_is_the_chosen_days_books(demo_settings: Settings) -> None:
    day, pv, generator, load, losses, coverage = _sql(demo_settings, """
        select local_date, pv_kwh, generator_kwh, load_kwh, losses_kwh, coverage from energy_flows_daily
        order by local_date limit 1
    """)[0]  # fmt: skip
    client = client_for(demo_settings)
    body = client.get("/api/charts/power_day", params={"from": str(day), "to": str(day)}).json()
    trace = body["data"][0]
    labels, link = trace["node"]["label"], trace["link"]
    flows = {labels[t if s == labels.index("Inverter") else s].split(" ")[0]: v
             for s, t, v in zip(link["source"], link["target"], link["value"], strict=True)}  # fmt: skip
    assert flows["PV"] == pytest.approx(pv, abs=1e-3) and flows["Generator"] == pytest.approx(generator, abs=1e-3)
    assert flows["Load"] == pytest.approx(load, abs=1e-3) and flows["Losses"] == pytest.approx(losses, abs=1e-3)
    hub = labels.index("Inverter")
    into = sum(v for t, v in zip(link["target"], link["value"], strict=True) if t == hub)
    out = sum(v for s, v in zip(link["source"], link["value"], strict=True) if s == hub)
    assert into == pytest.approx(out, abs=0.01)  # the books balance: losses are a sink, not hidden
    assert body["layout"]["annotations"][0]["text"] == f"{day} (partial: {coverage:.0%} covered)"
    assert "Grid" not in " ".join(labels)  # nothing came from or went to a grid: no node for it
    before = client.get("/api/charts/power_day", params={"from": "2020-01-01", "to": "2020-01-01"}).json()
    assert before["empty"] and before["message"] == "No inverter data on this day."


def test_latency_chart_has_p50_p95_and_loss_per_target(demo_settings: Settings) -> None:
    targets = {t for (t,) in _sql(demo_settings, "select distinct target_address from uplink_quality_hourly")}
    body = client_for(demo_settings).get("/api/charts/uplink_latency", params={"range": "7d"}).json()
    names = {t["name"] for t in body["data"]}
    assert names == {f"{t} {kind}" for t in targets for kind in ("p50", "p95", "loss")}
    loss = [t for t in body["data"] if t["name"].endswith("loss")]
    assert all(t["yaxis"] == "y2" for t in loss) and any(v for t in loss for v in t["y"])  # the outages lost echoes


def test_wan_traffic_counts_only_the_routers_wan(demo_settings: Settings) -> None:
    gigabytes = _sql(demo_settings, "select sum(rx_bytes) / 1e9 from wan_traffic_daily where device_id = 'fw'")
    body = client_for(demo_settings).get("/api/charts/wan_traffic", params={"range": "7d"}).json()
    assert {t["name"] for t in body["data"]} == {"fw download", "fw upload"}  # not the switch's or APs' ether1
    download = next(t for t in body["data"] if t["name"] == "fw download")
    assert sum(download["y"]) == pytest.approx(gigabytes[0][0], abs=0.01)


def test_power_page_shows_now_figures_runs_battery_and_pv(demo_settings: Settings, network_run: NetworkRun) -> None:
    pv_w, load_w, soc = _sql(demo_settings, "select pv_power_w, load_power_w, battery_soc_pct from inverter_latest")[0]
    runs = _sql(demo_settings, "select count(*) from generator_runs")[0][0]
    days = _sql(demo_settings, "select count(*) from battery_daily")[0][0]
    client = client_for(demo_settings)
    text = client.get("/power", params={"range": "7d"}).text
    assert 'href="/power" class="active"' in text
    assert f"{pv_w:,.0f}<small> W" in text and f"{load_w:,.0f}<small> W" in text and f"{soc:,.0f}<small> %" in text
    assert 'class="tile" id="tile-pv"' in text  # current right after the run's collection
    assert re.search(r'id="pv-age-inverter"[^>]*>newest poll [^<]*<span class="age">· \d+ s ago', text)
    assert _table(text, "generator-runs").count("<tr") == runs >= 2
    assert _table(text, "battery-days").count("<tr") == days == 2
    assert _table(text, "pv-performance").count("<tr") == days
    assert text.count(">partial</span>") >= 2  # the run's two days are both partial
    with clock_from(network_run.collected_until + timedelta(days=3)):
        later = client.get("/power", params={"range": "7d"}).text
    assert 'class="tile stale" id="tile-pv"' in later and "3.0 d ago" in later


def test_power_books_balance_and_partial_days_are_hatched(demo_settings: Settings) -> None:
    body = client_for(demo_settings).get("/api/charts/power_books", params={"range": "7d"}).json()
    assert body["layout"]["barmode"] == "relative"
    names = {t["name"] for t in body["data"]}
    assert {"PV", "Load", "Battery charge", "Battery discharge", "Generator", "Losses"} <= names
    assert "Grid import" not in names  # an off-grid site: a flow that stays 0 is left out
    by_day: dict[str, float] = {}
    for trace in body["data"]:
        for day, kwh in zip(trace["x"], trace["y"], strict=True):
            by_day[day] = by_day.get(day, 0.0) + kwh
        assert set(trace["marker"]["pattern"]["shape"]) == {"/"}  # both days of the run are partial
    assert len(by_day) == 2 and all(abs(total) < 0.01 for total in by_day.values())  # sources = sinks + losses


@pytest.mark.parametrize("path", ["/network", "/power"])
def test_pages_say_which_mart_is_missing(empty_settings: Settings, path: str) -> None:
    # a warehouse from before the uplink, switch and power marts: only the inventory
    empty_settings.warehouse.path.parent.mkdir(parents=True)
    with duckdb.connect(str(empty_settings.warehouse.path)) as con:
        con.execute("create table inventory as select 'aa:bb:cc:dd:ee:ff' as mac")
    client = client_for(empty_settings)
    response = client.get(path)
    assert response.status_code == 200 and "Traceback" not in response.text
    text = response.text
    if path == "/network":
        assert "No uplink data yet (uplink_outages is not in the warehouse yet)" in text
        assert "No public address data yet (public_ip_history is not in the warehouse yet)" in text
        assert "No switch data yet (switch_ports_latest is not in the warehouse yet)" in text
        assert "no uplink probes yet (uplink_quality_hourly is not in the warehouse yet)" in text
        assert all(message in text for message in FLOW_MISSING)
    elif path == "/power":
        assert "No inverter data yet (inverter_latest is not in the warehouse yet)" in text
        assert "No generator data yet (generator_runs is not in the warehouse yet)" in text
        assert "No battery data yet (battery_daily is not in the warehouse yet)" in text
        assert "No PV performance yet (pv_performance_daily is not in the warehouse yet)" in text
        assert "No meter cross-check yet (meter_crosscheck_daily is not in the warehouse yet)" in text
    for name in NETWORK_CHARTS + POWER_CHARTS:
        body = client.get(f"/api/charts/{name}").json()
        assert body["empty"] and "is not in the warehouse yet" in body["message"], name


def test_overview_without_the_uplink_marts(demo_settings: Settings, empty_settings: Settings) -> None:
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        con.execute("drop table uplink_quality_hourly")
        con.execute("drop table uplink_outages")
    response = client_for(empty_settings).get("/")
    assert response.status_code == 200 and 'id="tile-devices"' in response.text
    assert "no uplink probes yet (uplink_quality_hourly is not in the warehouse yet)" in response.text


def test_empty_marts_say_none(demo_settings: Settings, empty_settings: Settings) -> None:
    """Marts built but with no rows (no outage, no generator run, no inverter yet): "none", not an error."""
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        for table in EDGE_MARTS + FLOW_MARTS + POWER_MARTS:
            con.execute(f"delete from {table}")
    client = client_for(empty_settings)
    network = client.get("/network", params={"range": "7d"}).text
    assert "None: the internet stayed up in this range." in network
    assert "No public address seen in this range." in network and "No switch polled yet." in network
    assert 'id="tile-uplink"' in network and "no uplink probes yet<" in network
    for none in ("No external traffic in this range.", "None: no device talked to a new country or network",
                 "None: every checked device stayed within", "None: no connection from outside reached",
                 "No PoE energy in this range."):  # fmt: skip
        assert none in network, none
    power = client.get("/power", params={"range": "7d"}).text
    assert "None: the generator did not run in this range." in power
    assert "No battery readings in this range." in power and "No PV yield with irradiance in this range." in power
    assert "None: no energy meter on the power system" in power and 'id="meter-crosscheck"' not in power
    assert 'id="tile-pv"' not in power and "Traceback" not in power
    for name in NETWORK_CHARTS + POWER_CHARTS:
        body = client.get(f"/api/charts/{name}", params={"range": "7d"}).json()
        assert body["empty"] and body.get("none"), name
    assert client.get("/api/charts/power_books").json()["message"] == "No inverter data in this range."
    assert client.get("/api/charts/power_day").json()["message"] == "No inverter data on this day."


def test_power_page_sets_the_meter_beside_the_inverter(
    demo_settings: Settings, empty_settings: Settings, network_run: NetworkRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Meters section: one row per day and EM channel of meter_crosscheck_daily, EM and inverter kWh as the mart
    has them, the run's partial days marked and none disagreeing; a disagreeing day is highlighted; the newest meter
    reading's age goes stale; and the page keeps the dashboard's credential rule."""
    rows = _sql(demo_settings, """
        select local_date, channel, meter_kwh, inverter_kwh, is_complete, is_disagreeing from meter_crosscheck_daily
        order by local_date desc, device_id, channel
    """)  # fmt: skip
    assert len(rows) >= 4 and {channel for _, channel, *_ in rows} == {0, 1}  # two days x generator, inverter output
    client = client_for(demo_settings)
    text = client.get("/power", params={"range": "7d"}).text
    table = _table(text, "meter-crosscheck")
    shown = re.findall(r'<tr class="([^"]*)"><td>([\d-]+)</td>.*?<td class="num">([\d,.]+)</td>'
                       r'<td class="num">([\d,.–]+) <small>', table, re.S)  # fmt: skip
    assert [(day, kwh, inverter) for _, day, kwh, inverter in shown] == [
        (str(day), f"{meter:,.2f}", f"{inverter:,.2f}") for day, _, meter, inverter, _, _ in rows
    ]
    assert not any(disagreeing for *_, disagreeing in rows) and "bad" not in {row for row, *_ in shown}
    assert table.count("% metered") == sum(1 for *_, complete, _ in rows if not complete) >= 2  # the run's partial days
    assert re.search(r'<span class="now-figure" id="meters-age"[^>]*>newest meter reading <span class="age">', text)
    with clock_from(network_run.collected_until + timedelta(days=3)):
        later = client.get("/power", params={"range": "7d"}).text
    assert re.search(r'<span class="now-figure stale" id="meters-age"[^>]*>[^<]*<span class="age">· 3.0 d ago', later)
    # a clamp on the wrong wire: the output clamp reads a fifth more than the inverter on the newest day
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    newest = rows[0][0]
    with duckdb.connect(str(target)) as con:
        con.execute(
            "update meter_crosscheck_daily set meter_kwh = inverter_kwh * 1.2, difference_pct = 20.0, "
            "is_complete = true, is_disagreeing = true where local_date = ? and channel = 1",
            [newest],
        )
    wrong = _table(client_for(empty_settings).get("/power", params={"range": "7d"}).text, "meter-crosscheck")
    flagged = re.findall(
        r'<tr class="bad"><td>([\d-]+)</td>.*?<td class="num">\+20\.00</td>\s*<td>disagrees</td>', wrong, re.S
    )
    assert flagged == [str(newest)] and wrong.count('<tr class="bad">') == 1
    # the page answers only with the dashboard's credential, like every page
    monkeypatch.setenv("HOMELAKE_DASH_TOKEN", "power-token-123")
    config = DashboardConfig(auth=DashboardAuth(token=SecretRef(env="HOMELAKE_DASH_TOKEN")))
    denied = client_for(demo_settings, config).get("/power", params={"range": "7d"})
    assert denied.status_code == 401 and "meter-crosscheck" not in denied.text


def test_switch_ports_latest_is_the_newest_poll(demo_settings: Settings) -> None:
    """The mart's ports equal the newest links and PoE poll in staging, MACs counted from the newest host table."""
    got = _sql(demo_settings, """
        select port_number, is_up, power_w, host_count from switch_ports_latest order by port_number
    """)  # fmt: skip
    want = _sql(demo_settings, """
        with l as (select * from staging.stg_swos__links qualify observed_at = max(observed_at) over ()),
             p as (select * from staging.stg_swos__poe_ports qualify observed_at = max(observed_at) over ()),
             h as (select * from staging.stg_swos__hosts qualify observed_at = max(observed_at) over ())
        select l.port_number, l.is_up, p.power_w, (select count(*) from h where h.port_number = l.port_number)
        from l left join p using (port_number) order by l.port_number
    """)  # fmt: skip
    assert got == want and any(w for _, _, w, _ in got if w)


def test_power_page_shows_the_cost_per_room(demo_settings: Settings, empty_settings: Settings) -> None:
    rooms = _sql(demo_settings, "select count(distinct room) from energy_cost_daily_by_room")[0][0]
    text = client_for(demo_settings).get("/power", params={"range": "7d"}).text
    assert _table(text, "room-costs").count("<tr") == rooms >= 2
    # the run's site file sets no tariff: every cost is unknown, never 0
    assert _table(text, "room-costs").count(">unknown<") == rooms
    # priced: the page sums each room's days, the dearest room first
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        con.execute("update energy_cost_daily_by_room set cost = energy_kwh * 0.30, currency = 'EUR'")
        costs = con.execute(
            "select room, sum(energy_kwh) * 0.30 as cost from energy_cost_daily_by_room group by room "
            "order by cost desc"
        ).fetchall()
    table = _table(client_for(empty_settings).get("/power", params={"range": "7d"}).text, "room-costs")
    shown = re.findall(r"<td class=\"num\">([\d,.]+) EUR</td>", table)
    assert shown == [f"{cost:,.2f}" for _, cost in costs]
    assert ">unknown<" not in table and table.count(">0.300<") == rooms


def test_climate_and_energy_show_the_outdoor_weather(demo_settings: Settings, network_run: NetworkRun) -> None:
    client = client_for(demo_settings)
    outdoor = _sql(demo_settings, """
        select count(distinct hour_start_at) from climate_hourly_by_room where outdoor_temperature_c is not null
    """)[0][0]  # fmt: skip
    for chart in ("climate_temperature", "climate_humidity"):
        body = client.get(f"/api/charts/{chart}", params={"range": "7d"}).json()
        (line,) = [t for t in body["data"] if t["name"] == "Outdoor"]
        assert len(line["x"]) == outdoor > 0 and line["line"]["dash"] == "dot"
        assert len(body["data"]) >= 2  # noqa: PLR2004 - the rooms beside it
    today = network_run.collected_until.astimezone(demo_settings.tz).date()  # the 7-day range's last day
    days = _sql(demo_settings, f"""
        select local_date, round(outdoor_avg_temperature_c, 1), round(heating_degree_days, 2)
        from heating_vs_degree_days_daily where local_date <= '{today}' order by local_date
    """)  # fmt: skip
    assert len(days) >= 2  # noqa: PLR2004 - the run's two days have weather
    body = client.get("/api/charts/energy_weather", params={"range": "7d"}).json()
    energy, temperature, degree_days = body["data"]
    assert energy["type"] == "bar" and all(kwh > 0 for kwh in energy["y"])
    assert [(d, t) for d, t in zip(temperature["x"], temperature["y"], strict=True) if t is not None] == [
        (str(day), t) for day, t, _ in days
    ]
    assert [h for h in degree_days["y"] if h is not None] == [h for _, _, h in days]


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _rows(text: str, table_id: str) -> list[tuple[str, list[str]]]:
    """Each body row of a table: its class and its cells' text."""
    body = _table(text, table_id)
    return [(cls, _cells(row)) for cls, row in re.findall(r'<tr(?: class="([^"]*)")?>(.*?)</tr>', body, re.S)]


def test_network_page_shows_the_external_destinations_and_inbound_attempts(demo_settings: Settings) -> None:
    top = _sql(demo_settings, f"""
        select coalesce(device_name, mac, '(no device)') as device, coalesce(country_code, 'unknown'),
               case when asn is null then 'unknown' else concat('AS', asn, ' ', as_org) end, direction,
               sum(bytes_sent), sum(bytes_received)
        from external_traffic_daily group by device, country_code, asn, as_org, direction
        order by coalesce(sum(bytes_sent), 0) + coalesce(sum(bytes_received), 0) desc, device,
                 country_code nulls last, asn nulls last, direction
        limit {TOP_DESTINATIONS}
    """)  # fmt: skip
    inbound = _sql(demo_settings, "select sum(connections), sum(answered_connections) from inbound_attempts_daily")[0]
    assert len(top) >= 8 and inbound[0] > 0  # the run's devices talk out, and the outside reaches the k3s master
    text = client_for(demo_settings).get("/network", params={"range": "7d"}).text
    shown = [tuple(c[1:6]) for _, c in _rows(text, "external-destinations")]
    assert shown == [(country, network, direction, size(sent), size(received))
                     for _, country, network, direction, sent, received in top]  # fmt: skip
    assert [c[0] for _, c in _rows(text, "external-destinations")] == [device for device, *_ in top]
    # the demo's simulator ships GeoIP databases of its services: the busiest destinations have their countries
    assert {c for _, c, *_ in top} - {"unknown"} >= {"DE", "US"}
    attempts = [c for _, c in _rows(text, "inbound-attempts")]
    assert sum(int(c[4]) for c in attempts) == inbound[0] and sum(int(c[5]) for c in attempts) == inbound[1]
    assert {c[0] for c in attempts} == {"FR"}  # someone in France reaches the k3s master's forwarded port


def test_new_and_unexpected_destinations_are_the_marts(demo_settings: Settings) -> None:
    """The run's new destinations (with the demo's GeoIP databases) and the one unexpected: the vacuum's CN
    destination outside the demo site file's allow-list, highlighted among the new ones."""
    new = _sql(demo_settings, """
        select coalesce(device_name, mac), destination_kind, coalesce(country_code, 'unknown'),
               case when asn is null then 'unknown' else concat('AS', asn, ' ', as_org) end,
               coalesce(first_external_address, '–')
        from new_destinations order by first_seen_at desc, 1, destination_kind, destination limit 200
    """)  # fmt: skip
    unexpected = _sql(demo_settings, """
        select coalesce(device_name, mac), device_type, country_code, concat('AS', asn, ' ', as_org)
        from device_destinations_unexpected order by last_seen_at desc, 1, country_code nulls last, asn nulls last
    """)  # fmt: skip
    assert len(new) > 10 and {country for _, _, country, _, _ in new} >= {"DE", "NL", "US", "CN"}
    assert [(device_type, country) for _, device_type, country, _ in unexpected] == [("vacuum", "CN")]
    text = client_for(demo_settings).get("/network", params={"range": "7d"}).text
    rows = _rows(text, "new-destinations")
    assert [(c[1], c[2].removesuffix("unexpected"), c[3], c[4], c[5]) for _, c in rows] == new
    (vacuum,) = unexpected
    flagged = {(c[1], c[2].removesuffix("unexpected"), c[3]) for cls, c in rows if cls == "bad"}
    assert flagged == {(vacuum[0], "country", "CN"), (vacuum[0], "asn", "CN")}
    assert [c[:4] for _, c in _rows(text, "unexpected-destinations")] == [list(u) for u in unexpected]


def test_new_destinations_highlight_the_unexpected(
    demo_settings: Settings, empty_settings: Settings, network_run: NetworkRun
) -> None:
    """Hand-made rows in place of the run's (in a copy of its warehouse): the new country and
    network outside the list are highlighted, the allowed new country is not, and the unexpected table lists it."""
    mac, name = _sql(demo_settings, """
        select distinct mac, device_name from external_traffic_daily where direction = 'outbound' order by mac limit 1
    """)[0]  # fmt: skip
    at = network_run.collected_until - timedelta(hours=1)
    seen = at.astimezone(demo_settings.tz).date()
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        con.execute("delete from new_destinations; delete from device_destinations_unexpected")  # only these rows
        for kind, destination, country, asn, org in (("country", "DE", "DE", None, None),
                                                      ("country", "CN", "CN", None, None),
                                                      ("asn", "64500", "CN", 64500, "Example Cloud")):  # fmt: skip
            con.execute("""
                insert into new_destinations by name select ? as mac, ? as device_name, 'camera' as device_type,
                    ? as destination_kind, ? as destination, ? as country_code, ? as asn, ? as as_org,
                    ? as first_seen_at, ? as first_seen_local_date, '192.0.2.7' as first_external_address
            """, [mac, name, kind, destination, country, asn, org, at, seen])  # fmt: skip
        con.execute("""
            insert into device_destinations_unexpected by name select ? as mac, ? as device_name,
                'camera' as device_type, 'CN' as country_code, 64500 as asn, 'Example Cloud' as as_org,
                ? as first_seen_at, ? as last_seen_at, 1000 as bytes_sent, 2000 as bytes_received,
                3 as connections, ['192.0.2.7'] as external_addresses
        """, [mac, name, at, at])  # fmt: skip
    text = client_for(empty_settings).get("/network", params={"range": "7d"}).text
    new = {(c[2].removesuffix("unexpected"), c[3]): cls for cls, c in _rows(text, "new-destinations")}
    assert new == {("country", "DE"): "", ("country", "CN"): "bad", ("asn", "CN"): "bad"}
    assert text.count('<span class="badge">unexpected</span>') == 2
    (unexpected,) = _rows(text, "unexpected-destinations")
    assert unexpected[0] == "bad" and unexpected[1][:4] == [name, "camera", "CN", "AS64500 Example Cloud"]


def test_poe_energy_per_port_and_day(demo_settings: Settings) -> None:
    days = [str(d) for (d,) in _sql(demo_settings, "select distinct local_date from poe_energy_daily order by 1")]
    ports = _sql(demo_settings, """
        select switch || ' ' || port_number, arg_min(powered_device, local_date), sum(energy_wh) from poe_energy_daily
        group by switch, port_number order by switch, port_number
    """)  # fmt: skip
    partial = _sql(demo_settings, "select count(distinct local_date) from poe_energy_daily where not is_complete")[0][0]
    assert len(days) == 2 and len(ports) == 8  # noqa: PLR2004 - the run's two days, the CSS610-8P's PoE ports
    text = client_for(demo_settings).get("/network", params={"range": "7d"}).text
    rows = [c for _, c in _rows(text, "poe-energy")]
    assert [(c[0], c[1], c[-1]) for c in rows] == [(port, device, f"{wh:,.1f}") for port, device, wh in ports]
    header = re.search(r'<table id="poe-energy">\s*<thead>(.*?)</thead>', text, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r"\d{4}-\d{2}-\d{2}", header) == days and header.count(">partial<") == partial
    total = sum(wh for _, _, wh in ports)
    assert re.search(rf'<td colspan="5">Total</td><td class="num">{total:,.1f}</td>', text)


def test_external_traffic_chart_is_the_marts_bytes_per_country_and_device(demo_settings: Settings) -> None:
    devices = _sql(demo_settings, """
        select coalesce(device_name, mac, '(no device)') as device,
               sum(coalesce(bytes_sent, 0) + coalesce(bytes_received, 0)) / 1e6 as mb
        from external_traffic_daily group by device order by mb desc, device limit 8
    """)  # fmt: skip
    by_country = _sql(demo_settings, """
        select coalesce(device_name, mac, '(no device)') as device, coalesce(country_code, 'unknown'),
               sum(coalesce(bytes_sent, 0) + coalesce(bytes_received, 0)) / 1e6
        from external_traffic_daily group by all
    """)  # fmt: skip
    body = client_for(demo_settings).get("/api/charts/external_by_country", params={"range": "7d"}).json()
    got = {(t["name"], x): y for t in body["data"] for x, y in zip(t["x"], t["y"], strict=True)}
    busiest = {d for d, _ in devices}
    want = {(device, country): mb for device, country, mb in by_country if device in busiest}
    assert {t["name"] for t in body["data"]} == busiest and got.keys() == want.keys()
    for key, mb in want.items():
        assert got[key] == pytest.approx(mb, abs=0.01), key
    assert {country for _, country in got} >= {"DE", "US"}  # the demo's GeoIP databases name the countries
    assert body["layout"]["barmode"] == "stack" and body["layout"]["xaxis"]["categoryorder"] == "total descending"


def test_switch_port_traffic_chart_is_the_busiest_ports_bytes(demo_settings: Settings) -> None:
    ports = _sql(demo_settings, """
        select device_id || ' ' || port_number || coalesce(' ' || any_value(port_name), ''),
               sum(in_bytes) / 1e6, sum(out_bytes) / 1e6
        from switch_port_traffic_hourly group by device_id, port_number
        having sum(in_bytes) + sum(out_bytes) > 0
        order by sum(in_bytes) + sum(out_bytes) desc, device_id, port_number limit 8
    """)  # fmt: skip
    body = client_for(demo_settings).get("/api/charts/switch_port_traffic", params={"range": "7d"}).json()
    traces = {t["name"]: t for t in body["data"]}
    assert traces.keys() == {f"{port} {way}" for port, _, _ in ports for way in ("in", "out")}
    for port, in_mb, out_mb in ports:
        assert sum(v or 0 for v in traces[f"{port} in"]["y"]) == pytest.approx(in_mb, abs=0.05), port
        assert sum(v or 0 for v in traces[f"{port} out"]["y"]) == pytest.approx(out_mb, abs=0.05), port
        assert traces[f"{port} out"]["line"]["dash"] == "dot"


def test_flows_need_the_credential_on_every_route(demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flows are personal data: with a token configured, neither the page nor its chart data nor the CSV answer
    without it."""
    monkeypatch.setenv("HOMELAKE_DASH_TOKEN", "flows-token-123")
    config = DashboardConfig(auth=DashboardAuth(token=SecretRef(env="HOMELAKE_DASH_TOKEN")))
    client = client_for(demo_settings, config)
    paths = ["/network", "/api/charts/external_by_country", "/api/charts/external_by_country.csv",
             "/api/charts/switch_port_traffic", "/api/charts/switch_port_traffic.csv"]  # fmt: skip
    for path in paths:
        denied = client.get(path, params={"range": "7d"})
        assert denied.status_code == 401 and "Driveway camera" not in denied.text, path
    allowed = client.get(paths[2], params={"range": "7d"}, headers={"Authorization": "Bearer flows-token-123"})
    assert allowed.status_code == 200 and "Driveway camera" in allowed.text


def test_network_page_on_a_warehouse_from_before_the_flow_marts(
    demo_settings: Settings, empty_settings: Settings
) -> None:
    target = empty_settings.warehouse.path
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo_settings.warehouse.path, target)
    with duckdb.connect(str(target)) as con:
        for table in FLOW_MARTS:
            con.execute(f"drop table {table}")
    client = client_for(empty_settings)
    response = client.get("/network", params={"range": "7d"})
    assert response.status_code == 200 and "Traceback" not in response.text
    assert all(message in response.text for message in FLOW_MISSING)
    assert _table(response.text, "switch-ports").count("<tr") == 10  # noqa: PLR2004 - the rest of the page stands
    for name in ("external_by_country", "switch_port_traffic"):
        body = client.get(f"/api/charts/{name}", params={"range": "7d"}).json()
        assert body["empty"] and "is not in the warehouse yet" in body["message"], name
