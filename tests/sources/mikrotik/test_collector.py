"""poll_router against routers served by httpx.MockTransport: menus, wifi probing, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import PollOutcome, poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.errors import (
    MikrotikAuthError,
    MikrotikBadPayload,
    MikrotikHTTPError,
    MikrotikTimeout,
)
from tests.sources.mikrotik.conftest import make_ctx

NO_SUCH = {"detail": "no such command or directory", "error": 400, "message": "Bad Request"}
FixtureBytes = Callable[[str], bytes]


class FakeRouter:
    """Serves fixture bodies per REST path; unknown paths answer RouterOS's 400; records what was asked."""

    def __init__(self, routes: dict[str, httpx.Response | Exception]) -> None:
        self.routes = routes
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/rest")
        self.asked.append(path)
        answer = self.routes.get(path, httpx.Response(400, json=NO_SUCH))
        if isinstance(answer, Exception):
            raise answer
        return answer


def _poll(fake: FakeRouter, cache: dict[str, str | None], name: str = "fw-core") -> PollOutcome:
    router = MikrotikRouter(name=name, url="https://192.168.88.1")

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(fake)) as client:
            return await poll_router(client, lambda: make_ctx(name), cache)

    return asyncio.run(run())


def _ok(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body)


def _firewall(fixture_bytes: FixtureBytes) -> dict[str, httpx.Response | Exception]:
    return {
        "/ip/dhcp-server/lease": _ok(fixture_bytes("rb4011_7.16.2_dhcp_leases.json")),
        "/interface": _ok(fixture_bytes("rb4011_7.16.2_interfaces.json")),
        "/system/resource": _ok(fixture_bytes("rb4011_7.16.2_resource.json")),
        "/system/identity": _ok(fixture_bytes("rb4011_7.16.2_identity.json")),
    }


def test_firewall_without_wifi(fixture_bytes: FixtureBytes) -> None:
    cache: dict[str, str | None] = {}
    fake = FakeRouter(_firewall(fixture_bytes))
    outcome = _poll(fake, cache)
    assert [r.dataset for r in outcome.results] == [
        "mikrotik/dhcp_leases",
        "mikrotik/interfaces",
        "mikrotik/system",
    ]
    assert outcome.row_count == 5 + 6 + 1 and outcome.errors == [] and outcome.dead_letters == []
    assert cache == {"fw-core": None}
    assert outcome.results[2].rows[0]["identity"] == "fw-core"

    fake.asked.clear()
    _poll(fake, cache)
    assert not any("registration-table" in path for path in fake.asked)  # remembered: no wifi here


def test_ap_with_legacy_wireless_and_no_dhcp_server(fixture_bytes: FixtureBytes) -> None:
    cache: dict[str, str | None] = {}
    routes = _firewall(fixture_bytes)
    del routes["/ip/dhcp-server/lease"]  # answers 400: not an error
    routes["/interface/wireless/registration-table"] = _ok(fixture_bytes("hap_ac2_7.16.2_wireless_registration.json"))
    fake = FakeRouter(routes)
    outcome = _poll(fake, cache, name="ap-attic")
    assert outcome.errors == [] and cache == {"ap-attic": "wireless"}
    wifi = next(r for r in outcome.results if r.dataset == "mikrotik/wifi_clients")
    assert {row["menu"] for row in wifi.rows} == {"wireless"} and len(wifi.rows) == 2

    fake.asked.clear()
    _poll(fake, cache, name="ap-attic")
    assert [p for p in fake.asked if "registration-table" in p] == ["/interface/wireless/registration-table"]


def test_cached_menu_gone_after_upgrade_is_probed_again(fixture_bytes: FixtureBytes) -> None:
    cache: dict[str, str | None] = {"ap-attic": "wireless"}
    routes = _firewall(fixture_bytes)
    routes["/interface/wifi/registration-table"] = _ok(fixture_bytes("cap_ax_7.16.2_wifi_registration.json"))
    outcome = _poll(FakeRouter(routes), cache, name="ap-attic")
    assert cache == {"ap-attic": "wifi"}
    assert any(r.dataset == "mikrotik/wifi_clients" and len(r.rows) == 3 for r in outcome.results)


def test_one_failing_endpoint_does_not_stop_the_others(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes)
    routes["/interface"] = httpx.Response(500, json={"error": 500, "message": "Internal Server Error"})
    routes["/ip/dhcp-server/lease"] = _ok(b'[{".id":"*1"')
    outcome = _poll(FakeRouter(routes), {})
    # the truncated body counts as a failure of the poll as well as being kept verbatim
    assert [type(e) for e in outcome.errors] == [MikrotikBadPayload, MikrotikHTTPError]
    assert [(d, raw) for d, _reason, raw in outcome.dead_letters] == [("mikrotik/dhcp_leases", b'[{".id":"*1"')]
    assert [r.dataset for r in outcome.results] == ["mikrotik/system"]


def test_wrong_shape_is_dead_lettered(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes)
    routes["/interface"] = _ok(b'{"name":"ether1"}')
    outcome = _poll(FakeRouter(routes), {})
    ((dataset, reason, raw),) = outcome.dead_letters
    assert (dataset, raw) == ("mikrotik/interfaces", b'{"name":"ether1"}') and "JSON array" in reason


def test_auth_error_skips_the_rest(fixture_bytes: FixtureBytes) -> None:
    fake = FakeRouter({"/ip/dhcp-server/lease": httpx.Response(401, json={"error": 401, "message": "Unauthorized"})})
    cache: dict[str, str | None] = {}
    outcome = _poll(fake, cache)
    assert [type(e) for e in outcome.errors] == [MikrotikAuthError]
    assert fake.asked == ["/ip/dhcp-server/lease"] and outcome.results == [] and cache == {}


def test_timeout_keeps_results_so_far(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes)
    routes["/interface"] = httpx.ReadTimeout("timed out")
    outcome = _poll(FakeRouter(routes), {})
    assert [type(e) for e in outcome.errors] == [MikrotikTimeout]
    assert [r.dataset for r in outcome.results] == ["mikrotik/dhcp_leases"] and outcome.row_count == 5
