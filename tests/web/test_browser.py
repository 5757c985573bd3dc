"""Browser tests: the real server in a thread, headless Chromium: pages load clean, charts draw, controls work."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from homelake.web.app import create_app
from tests.conftest import NetworkRun
from tests.pinned_time import clock_from

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
README_IMAGES = REPO / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {"overview": "/", "inventory": "/inventory", "energy": "/energy", "power": "/power", "climate": "/climate",
         "network": "/network", "people": "/people", "security": "/security?range=30d", "cluster": "/cluster",
         "health": "/health"}  # fmt: skip
PHONE = {"width": 420, "height": 900}
ALL_DRAWN = "() => [...document.querySelectorAll('.chart')].every(c => c.dataset.state)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(demo_settings: Settings) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(demo_settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _new_page(browser: object, viewport: dict[str, int]) -> tuple[object, object]:
    context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return context, page


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context, page = _new_page(browser, {"width": 1400, "height": 900})
    yield page
    context.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def phone(browser: object) -> Iterator[object]:
    """One 420 px wide page for every phone check (a context per page would cost a second each)."""
    context, page = _new_page(browser, PHONE)
    yield page
    context.close()  # type: ignore[attr-defined]


def _open(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_function(ALL_DRAWN, timeout=20_000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_clean_and_draws_its_charts(page: object, base_url: str, name: str) -> None:
    _open(page, base_url + PAGES[name])
    assert page.errors == []  # type: ignore[attr-defined]
    states = page.eval_on_selector_all(".chart", "cs => cs.map(c => c.dataset.state)")  # type: ignore[attr-defined]
    assert "error" not in states
    if name in ("overview", "network", "energy", "power", "climate", "cluster", "security"):  # data here
        assert "drawn" in states
        assert page.locator(".js-plotly-plot .main-svg").count() > 0  # type: ignore[attr-defined]
        assert page.locator(".js-plotly-plot g.trace").count() > 0  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    # the README's pictures are refreshed on request only, so a test run never edits the source tree
    if name in ("overview", "energy") and os.environ.get("HOMELAKE_UPDATE_README_IMAGES") == "1":
        README_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_IMAGES / f"dashboard-{name}.png"))  # type: ignore[attr-defined]


def test_device_page_draws_the_signal_chart(page: object, base_url: str) -> None:
    _open(page, base_url + "/inventory")
    page.locator("#inventory tbody tr:not(.unknown) a").first.click()  # type: ignore[attr-defined]
    page.wait_for_function(ALL_DRAWN, timeout=20_000)  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]
    assert "IP history" in page.content()  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "device.png"), full_page=True)  # type: ignore[attr-defined]


def test_inventory_search_narrows_rows(page: object, base_url: str) -> None:
    _open(page, base_url + "/inventory")
    rows = page.locator("#inventory tbody tr")  # type: ignore[attr-defined]
    before = rows.count()
    first_mac = page.locator("#inventory tbody tr td.mono").nth(1).inner_text()  # type: ignore[attr-defined]
    page.fill("input[name=q]", first_mac)  # type: ignore[attr-defined]
    page.click("form.search button")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert 1 <= rows.count() < before
    assert first_mac in page.locator("#inventory tbody").inner_text()  # type: ignore[attr-defined]


def test_range_selection_changes_the_chart(page: object, base_url: str, demo_settings: Settings) -> None:
    # the newest site-local day with data, not "today": just after local midnight (or in a session that
    # spans it) today has no history yet
    with connect_readonly(demo_settings.warehouse.path) as con:
        newest = con.execute("select max(hour_start_local)::date from wifi_clients_hourly").fetchone()[0]
    day = newest.isoformat()
    _open(page, base_url + "/network")
    chart = page.locator("#chart-wifi_clients")  # type: ignore[attr-defined]
    week_src, week_rows = chart.get_attribute("data-src"), int(chart.get_attribute("data-rows"))
    today = page.input_value("input[name=to]")  # type: ignore[attr-defined]
    page.fill("input[name=from]", day)  # type: ignore[attr-defined]
    page.fill("input[name=to]", day)  # type: ignore[attr-defined]
    page.click("form.range button")  # type: ignore[attr-defined]
    page.wait_for_url(f"**from={day}**")  # type: ignore[attr-defined]
    page.wait_for_function(ALL_DRAWN, timeout=20_000)  # type: ignore[attr-defined]
    assert chart.get_attribute("data-src") != week_src
    assert 0 < int(chart.get_attribute("data-rows")) < week_rows  # only one day's hours of the day of history
    page.click("a.quick[data-range='30d']")  # type: ignore[attr-defined]
    page.wait_for_url("**range=30d")  # type: ignore[attr-defined]
    assert page.input_value("input[name=from]") < today  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_420_px_phone(phone: object, base_url: str, name: str) -> None:
    phone.errors.clear()  # type: ignore[attr-defined]
    _open(phone, base_url + PAGES[name])
    # give Plotly's responsive resize a frame, then measure: nothing may push the page sideways
    phone.wait_for_timeout(100)  # type: ignore[attr-defined]
    width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[attr-defined]
    assert width[1] == PHONE["width"] and width[0] <= width[1], f"{name}: page is {width[0]} px wide"
    too_wide = phone.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.getBoundingClientRect().right"
        " > window.innerWidth).length"
    )
    assert too_wide == 0
    assert phone.errors == []  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_stale_now_figures_are_grey_with_their_age(page: object, base_url: str, network_run: NetworkRun) -> None:
    # fresh: right after the run's collection every "Power now" figure is current
    _open(page, base_url + "/energy")
    assert page.locator("#circuits .now-figure").count() > 0  # type: ignore[attr-defined]
    assert page.locator("#circuits .now-figure.stale").count() == 0  # type: ignore[attr-defined]
    fresh_grey = page.eval_on_selector(".now-figure", "e => getComputedStyle(e).color")  # type: ignore[attr-defined]
    with clock_from(network_run.collected_until + timedelta(days=3)):  # the server's "now": long after
        _open(page, base_url + "/energy")
        figures = page.locator("#circuits .now-figure")  # type: ignore[attr-defined]
        assert figures.count() > 0 and page.locator("#circuits .now-figure:not(.stale)").count() == 0  # type: ignore[attr-defined]
        assert "W · 3.0 d ago" in figures.first.inner_text()
        stale_color = figures.first.evaluate("e => getComputedStyle(e).color")
        assert stale_color == "rgb(156, 163, 175)" != fresh_grey
        bar_colors = page.evaluate(  # type: ignore[attr-defined]
            "() => document.getElementById('chart-energy_live').data[0].marker.color"
        )
        assert bar_colors and set(bar_colors) == {"#b8bec8"}
        labels = page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('#chart-energy_live text.bartext')].map(t => t.textContent)"
        )
        assert any("3.0 d ago" in label for label in labels)
        page.screenshot(path=str(SHOTS / "stale-energy.png"), full_page=True)  # type: ignore[attr-defined]
        _open(page, base_url + "/")
        assert "stale" in (page.get_attribute("#tile-devices", "class") or "")  # type: ignore[attr-defined]
        assert "3.0 d ago" in page.inner_text("#devices-age")  # type: ignore[attr-defined]
        page.screenshot(path=str(SHOTS / "stale-overview.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


def test_people_and_doors_page(page: object, base_url: str, demo_settings: Settings) -> None:
    with connect_readonly(demo_settings.warehouse.path) as con:
        day = con.execute("select max(timezone('Europe/Berlin', event_at))::date from door_events").fetchone()[0]
    _open(page, f"{base_url}/people?from={day}&to={day}")
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.get_attribute("#chart-day_timeline", "data-state") == "drawn"  # type: ignore[attr-defined]
    names = page.evaluate("() => document.getElementById('chart-day_timeline').data.map(t => t.name)")  # type: ignore[attr-defined]
    assert names == ["at home", "door", "motion"]
    assert page.locator("#chart-day_timeline g.trace").count() == 3  # type: ignore[attr-defined]
    assert page.get_attribute("#chart-motion_by_room", "data-state") == "drawn"  # type: ignore[attr-defined]
    assert page.locator("#door-events tbody tr").count() > 0  # type: ignore[attr-defined]
    assert page.locator("#presence-changes tbody tr").count() > 0  # type: ignore[attr-defined]
    assert page.locator("#home-now li").count() > 0  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "people.png"), full_page=True)  # type: ignore[attr-defined]


def test_mode_bar_shows_on_hover_and_auto_refresh_is_remembered(page: object, base_url: str) -> None:
    _open(page, base_url + "/network")
    bar = "#chart-wifi_clients .modebar-container"
    assert page.eval_on_selector(bar, "e => getComputedStyle(e).opacity") == "0"  # type: ignore[attr-defined]
    page.hover("#chart-wifi_clients")  # type: ignore[attr-defined]
    page.wait_for_function(f"() => getComputedStyle(document.querySelector('{bar}')).opacity === '1'")  # type: ignore[attr-defined]
    toggle = page.locator("#auto-refresh")  # type: ignore[attr-defined]
    assert not toggle.is_checked()  # off by default
    toggle.check()
    assert page.evaluate("() => localStorage.getItem('homelake.autoRefresh')") == "on"  # type: ignore[attr-defined]
    _open(page, base_url + "/energy")
    assert page.locator("#auto-refresh").is_checked()  # type: ignore[attr-defined]
    assert page.evaluate("() => document.documentElement.dataset.autoRefresh") == "on"  # type: ignore[attr-defined]
    page.locator("#auto-refresh").uncheck()  # type: ignore[attr-defined]
    _open(page, base_url + "/energy?refresh=30")
    assert page.locator("#auto-refresh").is_checked()  # type: ignore[attr-defined]  # the query parameter turns it on
    assert page.errors == []  # type: ignore[attr-defined]


def test_cluster_page_shows_the_nodes_the_failing_unit_and_the_filling_disk(page: object, base_url: str) -> None:
    _open(page, base_url + "/cluster?range=7d")
    assert page.errors == []  # type: ignore[attr-defined]
    nodes = page.locator("#nodes tbody tr td:first-child").all_inner_texts()  # type: ignore[attr-defined]
    assert nodes == ["k3s-master", "pi1", "pi2"]
    assert page.locator("#nodes tbody tr.bad").count() >= 1  # type: ignore[attr-defined]  # pi2's under-voltage
    lines = page.locator("#unit-failures pre.lines").first.inner_text()  # type: ignore[attr-defined]
    assert "rsync error" in lines and "\x1b" not in lines  # ANSI escapes gone, the line readable
    assert page.locator("#disks tbody tr.bad td").first.inner_text() == "pi1"  # type: ignore[attr-defined]
    legend = page.eval_on_selector_all("#chart-cluster_cpu .legendtext", "ts => ts.map(t => t.textContent)")  # type: ignore[attr-defined]
    assert sorted(legend) == ["k3s-master", "pi1", "pi2"]
    page.screenshot(path=str(SHOTS / "cluster-range.png"), full_page=True)  # type: ignore[attr-defined]


def test_security_page_shows_snapshot_thumbnails(page: object, base_url: str) -> None:
    _open(page, base_url + "/security?range=30d")
    thumbs = page.locator("#episodes img.thumb")  # type: ignore[attr-defined]
    assert thumbs.count() > 0
    # the latest pictures and the episodes' really loaded (served by the dashboard from the media tree); the
    # timeline's load lazily, when scrolled to
    shown = "#latest-snapshots img.thumb, #episodes img.thumb"
    loaded = f"() => [...document.querySelectorAll('{shown}')].every(i => i.complete)"
    page.wait_for_function(loaded, timeout=20_000)  # type: ignore[attr-defined]
    widths = page.eval_on_selector_all(shown, "is => is.map(i => i.naturalWidth)")  # type: ignore[attr-defined]
    assert len(widths) > 3 and all(w == 640 for w in widths), widths
    assert page.locator("#timeline tr.kind-camera").count() > 0  # type: ignore[attr-defined]
    assert page.locator("#camera-health tbody tr").count() > 0  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]
    page.locator("#episodes").screenshot(path=str(SHOTS / "security-episodes.png"))  # type: ignore[attr-defined]


def test_power_page_draws_the_books_and_the_now_figures(page: object, base_url: str) -> None:
    _open(page, base_url + "/power?range=7d")
    assert page.errors == []  # type: ignore[attr-defined]
    states = page.eval_on_selector_all(".chart", "cs => cs.map(c => c.dataset.state)")  # type: ignore[attr-defined]
    assert states == ["drawn"] * 7
    assert page.locator("#chart-power_day .sankey-node").count() >= 5  # type: ignore[attr-defined]
    shapes = page.evaluate(  # type: ignore[attr-defined]
        "() => document.getElementById('chart-power_books').data.flatMap(t => t.marker.pattern.shape)"
    )
    assert shapes and set(shapes) == {"/"}  # the run's two days are partial: hatched
    assert page.evaluate("() => document.getElementById('chart-power_books').layout.barmode") == "relative"  # type: ignore[attr-defined]
    assert page.locator("#chart-weather g.trace").count() == 2  # type: ignore[attr-defined]
    for tile in ("#tile-pv", "#tile-load", "#tile-soc"):
        assert "stale" not in (page.get_attribute(tile, "class") or "")  # type: ignore[attr-defined]
    assert page.locator("#generator-runs tbody tr").count() >= 2  # type: ignore[attr-defined]
    assert page.locator("#room-costs tbody tr").count() >= 2  # type: ignore[attr-defined]
    # the EM beside the inverter: the run's two days x generator and output clamps, none disagreeing, a current age
    assert page.locator("#meter-crosscheck tbody tr").count() == 4  # type: ignore[attr-defined]  # noqa: PLR2004
    assert page.locator("#meter-crosscheck tbody tr.bad").count() == 0  # type: ignore[attr-defined]
    assert "stale" not in (page.get_attribute("#meters-age", "class") or "")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "power-week.png"), full_page=True)  # type: ignore[attr-defined]


def test_network_page_shows_the_uplink_and_the_switch(page: object, base_url: str, demo_settings: Settings) -> None:
    _open(page, base_url + "/network?range=7d")
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.inner_text("#tile-uplink-fw .uplink-line").startswith("internet: up for ")  # type: ignore[attr-defined]
    assert page.get_attribute("#chart-uplink_latency", "data-state") == "drawn"  # type: ignore[attr-defined]
    assert page.evaluate("() => document.getElementById('chart-uplink_latency').layout.yaxis2.side") == "right"  # type: ignore[attr-defined]
    assert page.get_attribute("#chart-wan_traffic", "data-state") == "drawn"  # type: ignore[attr-defined]
    assert page.locator("#uplink-outages tbody tr").count() >= 3  # type: ignore[attr-defined]
    assert page.locator("#switch-ports tbody tr").count() == 10  # type: ignore[attr-defined]
    for chart in ("#chart-external_by_country", "#chart-switch_port_traffic"):
        assert page.get_attribute(chart, "data-state") == "drawn", chart  # type: ignore[attr-defined]
    with connect_readonly(demo_settings.warehouse.path) as con:
        ports, inbound = con.execute("""
            select (select count(distinct (switch, port_number)) from poe_energy_daily),
                   (select count(*) from (select distinct country_code, asn, lan_address, protocol, dst_port
                                          from inbound_attempts_daily))
        """).fetchone()  # fmt: skip
    assert page.locator("#poe-energy tbody tr").count() == ports  # type: ignore[attr-defined]
    assert page.locator("#inbound-attempts tbody tr").count() == inbound  # type: ignore[attr-defined]
    assert page.locator("#external-destinations tbody tr").count() > 0  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "network-week.png"), full_page=True)  # type: ignore[attr-defined]
