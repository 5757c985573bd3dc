"""Browser tests: the real server in a thread, headless Chromium: pages load clean, charts draw, controls work."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly
from homelake.web.app import create_app

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
PAGES = {"overview": "/", "inventory": "/inventory", "energy": "/energy", "climate": "/climate",
         "network": "/network", "security": "/security?range=30d", "health": "/health"}  # fmt: skip
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


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    yield page
    context.close()


def _open(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_function(ALL_DRAWN, timeout=20_000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_clean_and_draws_its_charts(page: object, base_url: str, name: str) -> None:
    _open(page, base_url + PAGES[name])
    assert page.errors == []  # type: ignore[attr-defined]
    states = page.eval_on_selector_all(".chart", "cs => cs.map(c => c.dataset.state)")  # type: ignore[attr-defined]
    assert "error" not in states
    if name in ("overview", "network", "energy", "climate", "security"):  # the demo site has data for all of these
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
