"""The firewall's uplink over a real socket: the simulator follows the uplink model (link down, gateway flaps, an
upstream outage) and the collector's router-run pings land as rows; the backfill lays the same probes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from homelake.sim.model.site import build_site
from homelake.sim.model.uplink import GATEWAY, PROBE_TARGETS, PUBLIC_IPS, RESOLVER, Uplink
from homelake.sources import family
from homelake.sources.base import HistoryContext, ParseResult
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.simulator import RouterSimServer
from homelake.sources.mikrotik.simulator.edge_history import lay_edge_history
from tests.sources.mikrotik.conftest import make_ctx

pytestmark = pytest.mark.integration
SITE = build_site()
UPLINK = Uplink(SITE)
LINK_DOWN = next(o for o in UPLINK.outages if o.cause == "link_down")
UPSTREAM = next(o for o in UPLINK.outages if o.cause == "upstream_unreachable")
GATEWAY_FLAP = next(o for o in UPLINK.outages if o.cause == "gateway_unreachable")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def fw() -> Iterator[tuple[RouterSimServer, Clock]]:
    clock = Clock(LINK_DOWN.start - timedelta(minutes=5))
    with RouterSimServer(SITE, "fw", password="pw", clock=clock) as server:
        yield server, clock


def _get(server: RouterSimServer, path: str) -> Any:
    return httpx.get(f"{server.url}/rest{path}", auth=("admin", "pw"), timeout=5).json()


def _ping(server: RouterSimServer, address: str, count: int = 3) -> httpx.Response:
    body = {"address": address, "count": str(count)}
    return httpx.post(f"{server.url}/rest/ping", json=body, auth=("admin", "pw"), timeout=5)


def test_the_wan_link_and_dhcp_client_follow_the_link_down(fw: tuple[RouterSimServer, Clock]) -> None:
    server, clock = fw
    wan = next(i for i in _get(server, "/interface") if i["name"] == "ether1")
    assert (wan["running"], wan["link-downs"]) == ("true", "0")
    assert _get(server, "/ip/dhcp-client")[0]["address"] == f"{PUBLIC_IPS[0]}/24"
    clock.at = LINK_DOWN.start + timedelta(minutes=1)
    wan = next(i for i in _get(server, "/interface") if i["name"] == "ether1")
    assert (wan["running"], wan["link-downs"]) == ("false", "1")
    assert _get(server, "/ip/dhcp-client")[0]["status"] == "searching..."
    assert all(r.get("status") == "timeout" for r in _ping(server, GATEWAY).json())
    clock.at = LINK_DOWN.end + timedelta(minutes=1)
    assert _get(server, "/ip/dhcp-client")[0]["address"] == f"{PUBLIC_IPS[1]}/24"  # a new address after it


def test_pings_tell_an_upstream_outage_from_a_gateway_one(fw: tuple[RouterSimServer, Clock]) -> None:
    server, clock = fw
    clock.at = UPSTREAM.start + timedelta(minutes=2)
    assert [r["received"] for r in _ping(server, GATEWAY).json()][-1] != "0"
    assert [r["received"] for r in _ping(server, RESOLVER).json()][-1] == "0"
    clock.at = GATEWAY_FLAP.start + timedelta(minutes=1)
    assert [r["received"] for r in _ping(server, GATEWAY).json()][-1] == "0"


def test_ping_refuses_a_body_without_an_address(fw: tuple[RouterSimServer, Clock]) -> None:
    reply = _ping(fw[0], "x").request  # a well-formed request works; a bad body is a RouterOS 400
    bad = httpx.post(reply.url, json={"count": "x"}, auth=("admin", "pw"), timeout=5)
    assert bad.status_code == 400 and bad.json()["message"] == "Bad Request"


def test_the_collector_probes_each_target(fw: tuple[RouterSimServer, Clock]) -> None:
    server, clock = fw
    clock.at = UPSTREAM.start + timedelta(minutes=2)
    router = MikrotikRouter(name="fw", url=server.url, allow_http=True, probe_targets=list(PROBE_TARGETS))

    async def run() -> Any:
        async with MikrotikClient(router, "pw", timeout_s=5) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {})

    outcome = asyncio.run(run())
    assert outcome.errors == []
    pings = [row for r in outcome.results if r.dataset == "mikrotik/pings" for row in r.rows]
    assert len(pings) == 3 * len(PROBE_TARGETS)
    lost = {t: all(p["rtt_ms"] is None for p in pings if p["host"] == t) for t in PROBE_TARGETS}
    assert lost == {t: t != GATEWAY for t in PROBE_TARGETS}


def test_backfill_lays_the_probes_through_the_parser() -> None:
    stored: list[ParseResult] = []

    def store(results: Any, family_name: str, device: str) -> int:
        stored.extend(results)
        return sum(len(r.rows) for r in results)

    start = LINK_DOWN.start - timedelta(minutes=10)
    ctx = HistoryContext(SITE, store, start, start + timedelta(hours=1), timedelta(minutes=1), ZoneInfo("UTC"))
    rows = lay_edge_history(ctx)
    pings = [row for r in stored if r.dataset == "mikrotik/pings" for row in r.rows]
    assert len(pings) == 60 * 3 * len(PROBE_TARGETS) and rows == sum(len(r.rows) for r in stored)
    lost = {  # probes whose every echo was lost: the last echo's running total is still 0
        row["observed_at"] for row in pings if row["host"] == GATEWAY and row["seq"] == 2 and row["received"] == 0
    }  # fmt: skip
    assert lost == {
        t for t in (start + timedelta(minutes=m) for m in range(60)) if LINK_DOWN.start <= t < LINK_DOWN.end
    }
    assert family("mikrotik").history is not None
