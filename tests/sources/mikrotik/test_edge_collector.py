"""The edge part of a firewall poll over httpx.MockTransport: the connection table with `.proplist`, the DNS
cache, menus a router lacks, and a broken table that is dead-lettered while the rest lands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import PollOutcome, poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.edge_collector import CONNECTION_PROPLIST
from tests.sources.mikrotik.conftest import make_ctx
from tests.sources.mikrotik.test_collector import FakeRouter, _firewall, _ok

FixtureBytes = Callable[[str], bytes]


def _poll(routes: dict[str, httpx.Response | Exception], role: str = "firewall") -> tuple[PollOutcome, list[str]]:
    queries: list[str] = []
    fake = FakeRouter(routes)

    def transport(request: httpx.Request) -> httpx.Response:
        queries.append(str(request.url.params))
        return fake(request)

    router = MikrotikRouter(name="fw", url="https://192.168.88.1", role=role)  # type: ignore[arg-type]

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(transport)) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {})

    return asyncio.run(run()), fake.asked


def test_a_firewall_poll_lands_connections_and_the_dns_cache(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes) | {
        "/ip/firewall/connection": _ok(fixture_bytes("rb4011_7.16.2_firewall_connections.json")),
        "/ip/dns/cache": _ok(fixture_bytes("rb4011_7.16.2_dns_cache.json")),
    }
    routes["/ip/dhcp-client"] = _ok(fixture_bytes("rb4011_7.16.2_dhcp_client.json"))
    outcome, asked = _poll(routes)
    counts = {r.dataset: len(r.rows) for r in outcome.results}
    assert counts["mikrotik/firewall_connections"] == 6 and counts["mikrotik/dns_cache"] == 4
    assert counts["mikrotik/dhcp_client"] == 2
    assert "/ip/firewall/connection" in asked and "/ip/dhcp-client" in asked


def test_the_connection_table_is_asked_for_the_needed_fields_only(fixture_bytes: FixtureBytes) -> None:
    queries: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        queries.append(request.url.params.get(".proplist", ""))
        return httpx.Response(200, json=[])

    router = MikrotikRouter(name="fw", url="https://192.168.88.1", role="firewall")

    async def run() -> None:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(transport)) as client:
            await poll_router(client, lambda: make_ctx("fw"), {})

    asyncio.run(run())
    assert CONNECTION_PROPLIST in queries and "orig-bytes" in CONNECTION_PROPLIST.split(",")


def test_a_router_without_the_menus_is_not_an_error(fixture_bytes: FixtureBytes) -> None:
    outcome, asked = _poll(_firewall(fixture_bytes))  # the fake answers 400 "no such command" for them
    assert outcome.errors == [] and "/ip/dns/cache" in asked


def test_a_switch_is_not_asked_for_connections(fixture_bytes: FixtureBytes) -> None:
    _, asked = _poll(_firewall(fixture_bytes), role="switch")
    assert "/ip/firewall/connection" not in asked


def test_a_broken_connection_table_is_dead_lettered_and_the_rest_lands(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes) | {
        "/ip/firewall/connection": _ok(b'[{"protocol":"tcp",'),
        "/ip/dns/cache": _ok(fixture_bytes("rb4011_7.16.2_dns_cache.json")),
    }
    outcome, _ = _poll(routes)
    assert [d[0] for d in outcome.dead_letters] == ["mikrotik/firewall_connections"]
    assert {r.dataset for r in outcome.results} >= {"mikrotik/dns_cache", "mikrotik/dhcp_leases"}
