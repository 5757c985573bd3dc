"""Netwatch: the parser on recorded payloads (both RouterOS date formats, scripts never kept), the firewall poll
(`.proplist`, a router without the menu or without entries), and the collector against the simulator over a real
socket, whose entries follow the uplink model's outages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyarrow as pa
import pytest

from homelake.sim.model.site import build_site
from homelake.sim.model.uplink import GATEWAY, ISP_DNS, PROBE_TARGETS, RESOLVER, Uplink
from homelake.sources import PARSE_KINDS
from homelake.sources import dataset as dataset_of
from homelake.sources.base import ParseContext
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import PollOutcome, poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.edge_collector import NETWATCH_PROPLIST
from homelake.sources.mikrotik.simulator import RouterSimServer
from tests.sources.mikrotik.conftest import make_ctx
from tests.sources.mikrotik.test_collector import FakeRouter, _firewall, _ok

Load = Callable[[str], Any]
FixtureBytes = Callable[[str], bytes]
SITE = build_site()
UPLINK = Uplink(SITE)
UPSTREAM = next(o for o in UPLINK.outages if o.cause == "upstream_unreachable")
LINK_DOWN = next(o for o in UPLINK.outages if o.cause == "link_down")


def test_netwatch_v7_16_every_probe_type_and_the_iso_since(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_netwatch(load("rb4011_7.16.2_netwatch.json"), ctx)
    pa.Table.from_pylist(result.rows, schema=dataset_of(result.dataset).schema)
    assert all(list(row) == dataset_of(result.dataset).schema.names for row in result.rows)
    rows = {r["host"]: r for r in result.rows}
    assert list(rows) == ["203.0.113.1", "198.51.100.53", "192.168.88.10", "192.168.88.250"]
    gateway = rows["203.0.113.1"]
    assert (gateway["probe_type"], gateway["status"], gateway["comment"]) == ("icmp", "up", "isp gateway")
    assert gateway["since_at"] == datetime(2024, 12, 5, 9, 41, 7, tzinfo=UTC)  # 10:41:07 in Berlin (CET)
    assert (gateway["done_tests"], gateway["failed_tests"], gateway["interval_s"]) == (8640, 12, 10.0)
    assert (gateway["loss_pct"], gateway["rtt_avg_ms"], gateway["rtt_min_ms"]) == (0.0, 2.614, 1.829)
    assert (gateway["rtt_max_ms"], gateway["rtt_jitter_ms"], gateway["rtt_stdev_ms"]) == (3.431, 1.102, 0.402)
    resolver = rows["198.51.100.53"]
    assert (resolver["status"], resolver["loss_pct"], resolver["rtt_avg_ms"]) == ("down", 100.0, None)
    tcp = rows["192.168.88.10"]
    assert (tcp["probe_type"], tcp["interval_s"], tcp["loss_pct"]) == ("tcp-conn", 60.0, None)
    disabled = rows["192.168.88.250"]
    assert (disabled["is_disabled"], disabled["status"], disabled["since_at"]) == (True, "unknown", None)
    # a `since` that is no date is rejected with its entry; the entry's scripts are not in the dead letter
    [reject] = result.rejects
    assert "since" in reject.reason and b"192.168.88.251" in reject.payload
    assert b"SECRET" not in reject.payload and b"script" not in reject.payload


def test_netwatch_before_7_10_has_the_month_name_since(load: Load, ctx: ParseContext) -> None:
    """Before 7.10 RouterOS printed `mar/31/2024 01:59:58`; the two entries straddle the spring DST change."""
    result = edge_parser.parse_netwatch(load("rb4011_7.8_netwatch.json"), ctx)
    assert not result.rejects
    assert [(r["host"], r["status"], r["since_at"]) for r in result.rows] == [
        ("203.0.113.1", "up", datetime(2024, 3, 31, 0, 59, 58, tzinfo=UTC)),  # CET, +1
        ("198.51.100.53", "down", datetime(2024, 3, 31, 1, 0, 12, tzinfo=UTC)),  # CEST, +2
    ]
    assert (result.rows[0]["loss_pct"], result.rows[0]["rtt_avg_ms"], result.rows[1]["rtt_avg_ms"]) == (
        0.0, 3.001, None,
    )  # fmt: skip


def test_an_empty_netwatch_is_no_rows_and_a_non_list_is_a_payload_error(ctx: ParseContext) -> None:
    assert edge_parser.parse_netwatch([], ctx).rows == []
    with pytest.raises(edge_parser.PayloadError, match="netwatch"):
        edge_parser.parse_netwatch({"host": "1.1.1.1"}, ctx)


def test_the_netwatch_parse_kind(fixture_bytes: FixtureBytes, ctx: ParseContext) -> None:
    [result] = PARSE_KINDS["mikrotik-netwatch"].run(fixture_bytes("rb4011_7.16.2_netwatch.json"), ctx)
    assert (result.dataset, len(result.rows), len(result.rejects)) == ("mikrotik/netwatch", 4, 1)


def _poll_fake(routes: dict[str, httpx.Response | Exception]) -> tuple[PollOutcome, list[str]]:
    fake = FakeRouter(routes)
    proplists: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tool/netwatch"):
            proplists.append(request.url.params.get(".proplist", ""))
        return fake(request)

    router = MikrotikRouter(name="fw", url="https://192.168.88.1", role="firewall")

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(transport)) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {})

    return asyncio.run(run()), proplists


def test_the_poll_asks_for_the_status_and_never_the_scripts(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes) | {"/tool/netwatch": _ok(fixture_bytes("rb4011_7.16.2_netwatch.json"))}
    outcome, proplists = _poll_fake(routes)
    assert proplists == [NETWATCH_PROPLIST]
    fields = NETWATCH_PROPLIST.split(",")
    assert {"status", "since", "rtt-avg"} <= set(fields) and not any("script" in f for f in fields)
    [netwatch] = [r for r in outcome.results if r.dataset == "mikrotik/netwatch"]
    assert len(netwatch.rows) == 4 and outcome.errors == []


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(404, json={"error": 404, "message": "Not Found"}), httpx.Response(200, json=[])],
    ids=["menu-absent-404", "no-entries"],
)
def test_a_router_without_netwatch_is_skipped_cleanly(answer: httpx.Response, fixture_bytes: FixtureBytes) -> None:
    outcome, _ = _poll_fake(_firewall(fixture_bytes) | {"/tool/netwatch": answer})
    assert outcome.errors == [] and outcome.dead_letters == []
    assert all(r.rows == [] for r in outcome.results if r.dataset == "mikrotik/netwatch")


def test_another_http_error_is_an_error() -> None:
    outcome, _ = _poll_fake({"/tool/netwatch": httpx.Response(500, json={"error": 500, "message": "boom"})})
    assert any("/tool/netwatch" in str(e) and "500" in str(e) for e in outcome.errors)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def fw() -> Iterator[tuple[RouterSimServer, Clock]]:
    clock = Clock(UPSTREAM.start - timedelta(minutes=5))
    with RouterSimServer(SITE, "fw", password="pw", clock=clock) as server:
        yield server, clock


def _collect(server: RouterSimServer) -> dict[str, dict[str, Any]]:
    router = MikrotikRouter(name="fw", url=server.url, allow_http=True, role="firewall")

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", timeout_s=5) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {})

    outcome = asyncio.run(run())
    assert outcome.errors == [] and outcome.dead_letters == []
    [result] = [r for r in outcome.results if r.dataset == "mikrotik/netwatch"]
    return {row["host"]: row for row in result.rows}


@pytest.mark.integration
def test_the_collector_reads_the_simulated_netwatch_through_the_outages(fw: tuple[RouterSimServer, Clock]) -> None:
    """Before, during and after the upstream outage, then during the link-down: the gateway stays up while only
    the upstream is out; `since` is the transition to the second (the simulator's zone is the site's)."""
    server, clock = fw
    assert SITE.tz.key == make_ctx().local_tz.key  # type: ignore[attr-defined]
    before = _collect(server)
    assert set(before) == set(PROBE_TARGETS)
    assert {h: r["status"] for h, r in before.items()} == dict.fromkeys(PROBE_TARGETS, "up")
    assert all(r["rtt_avg_ms"] is not None and r["probe_type"] == "icmp" for r in before.values())
    clock.at = UPSTREAM.start + timedelta(minutes=2)
    during = _collect(server)
    assert {h: r["status"] for h, r in during.items()} == {GATEWAY: "up", RESOLVER: "down", ISP_DNS: "down"}
    assert during[RESOLVER]["since_at"] == UPSTREAM.start and during[RESOLVER]["loss_pct"] == 100.0
    assert during[GATEWAY]["since_at"] == before[GATEWAY]["since_at"]
    clock.at = UPSTREAM.end + timedelta(seconds=30)
    after = _collect(server)
    assert after[RESOLVER]["status"] == "up" and after[RESOLVER]["since_at"] == UPSTREAM.end
    assert after[RESOLVER]["failed_tests"] > before[RESOLVER]["failed_tests"]
    clock.at = LINK_DOWN.start + timedelta(minutes=1)
    link_down = _collect(server)
    assert {r["status"] for r in link_down.values()} == {"down"}
    assert {r["since_at"] for r in link_down.values()} == {LINK_DOWN.start}
