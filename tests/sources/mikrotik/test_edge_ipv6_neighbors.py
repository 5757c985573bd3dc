"""The IPv6 neighbour table: the parser on a recorded RouterOS payload (bad entries rejected, the others kept), the
poll (`.proplist`, on by default only for the firewall, a router without the menu), and the collector against the
simulator over a real socket, where every IPv6 flow's address (privacy ones too) maps to its device's MAC."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

import httpx
import pyarrow as pa
import pytest

from homelake.sim.model.flows import flows_at, slaac_address, uses_privacy_addresses
from homelake.sim.model.neighbours import ipv6_neighbours
from homelake.sim.model.site import build_site
from homelake.sources import PARSE_KINDS
from homelake.sources import dataset as dataset_of
from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import PollOutcome, poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.edge_collector import IPV6_NEIGHBOR_PROPLIST
from homelake.sources.mikrotik.simulator import RouterSimServer
from tests.sources.mikrotik.conftest import make_ctx
from tests.sources.mikrotik.test_collector import FakeRouter, _firewall, _ok

FixtureBytes = Callable[[str], bytes]
Load = Callable[[str], Any]
FIXTURE = "rb4011_7.16.2_ipv6_neighbors.json"
SITE = build_site()
AT = SITE.start + timedelta(hours=20, minutes=40)  # evening: phones, laptops, the tablet and the TVs are on


def test_the_neighbour_table_v7_16(load: Load, ctx: ParseContext) -> None:
    result = edge_parser.parse_ipv6_neighbors(load(FIXTURE), ctx)
    schema = dataset_of(result.dataset).schema
    pa.Table.from_pylist(result.rows, schema=schema)
    assert all(list(row) == schema.names for row in result.rows)
    got = [(r["address"], r["mac"], r["interface"], r["status"], r["is_router"]) for r in result.rows]
    assert got == [
        ("fe80::200:5eff:fe00:5301", "00:00:5e:00:53:01", "ether1", "reachable", True),
        ("fe80::cc44:f0ff:fe5b:e7a", "ce:44:f0:5b:0e:7a", "bridge", "stale", False),  # the zone dropped
        ("2001:db8:88:0:cc44:f0ff:fe5b:e7a", "ce:44:f0:5b:0e:7a", "bridge", "reachable", False),
        ("2001:db8:88:0:d65:4c31:8d34:7f6e", "ce:44:f0:5b:0e:7a", "bridge", "delay", False),  # canonicalised
        ("2001:db8:88:0:1187:c452:bd6b:66e1", "da:13:b2:49:6a:c1", "bridge", "stale", False),  # RFC 5952 text
        ("2001:db8:88::dead:beef", None, "bridge", "failed", False),  # a failed entry has no MAC
        ("2001:db8:88::10", "48:a6:b8:ed:f4:2b", "bridge", "noarp", False),
    ]
    reasons = sorted(r.reason for r in result.rejects)
    assert len(reasons) == 4
    assert any("not an IPv6 address: 'not-an-address'" in r for r in reasons)
    assert any("address: required but absent" in r for r in reasons)
    assert any("'192.168.88.20'" in r for r in reasons)  # an IPv4 address is no IPv6 neighbour
    assert any("not a MAC address" in r for r in reasons)
    assert all(r.payload.startswith(b"{") for r in result.rejects)


def test_an_empty_table_is_no_rows_and_a_non_list_is_a_payload_error(ctx: ParseContext) -> None:
    assert edge_parser.parse_ipv6_neighbors([], ctx).rows == []
    with pytest.raises(PayloadError, match="ipv6 neighbors"):
        edge_parser.parse_ipv6_neighbors({"address": "fe80::1"}, ctx)
    result = edge_parser.parse_ipv6_neighbors([None, "fe80::1", {"address": 7}], ctx)
    assert result.rows == [] and len(result.rejects) == 3


def test_the_ipv6_neighbors_parse_kind(fixture_bytes: FixtureBytes, ctx: ParseContext) -> None:
    [result] = PARSE_KINDS["mikrotik-ipv6-neighbors"].run(fixture_bytes(FIXTURE), ctx)
    assert (result.dataset, len(result.rows), len(result.rejects)) == ("mikrotik/ipv6_neighbors", 7, 4)


Role = Literal["firewall", "switch", "ap", "router"]


def _poll_fake(
    routes: dict[str, httpx.Response | Exception], role: Role = "firewall", enabled: bool | None = None
) -> tuple[PollOutcome, list[str]]:
    fake = FakeRouter(routes)
    proplists: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ipv6/neighbor"):
            proplists.append(request.url.params.get(".proplist", ""))
        return fake(request)

    router = MikrotikRouter(name="fw", url="https://192.168.88.1", role=role, ipv6_neighbors=enabled)

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(transport)) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {})

    return asyncio.run(run()), proplists


def _neighbours(outcome: PollOutcome) -> list[dict[str, Any]]:
    return [row for r in outcome.results if r.dataset == "mikrotik/ipv6_neighbors" for row in r.rows]


def test_the_firewall_polls_the_table_with_a_proplist(fixture_bytes: FixtureBytes) -> None:
    routes = _firewall(fixture_bytes) | {"/ipv6/neighbor": _ok(fixture_bytes(FIXTURE))}
    outcome, proplists = _poll_fake(routes)
    assert proplists == [IPV6_NEIGHBOR_PROPLIST]
    assert set(IPV6_NEIGHBOR_PROPLIST.split(",")) == {"address", "mac-address", "interface", "status", "router"}
    assert len(_neighbours(outcome)) == 7 and outcome.errors == [] and outcome.dead_letters == []


@pytest.mark.parametrize(
    ("role", "enabled", "asked"),
    [("firewall", None, True), ("firewall", False, False), ("switch", None, False), ("switch", True, True)],
)
def test_the_table_is_polled_where_enabled(role: Role, enabled: bool | None, asked: bool,
                                           fixture_bytes: FixtureBytes) -> None:  # fmt: skip
    routes = _firewall(fixture_bytes) | {"/ipv6/neighbor": _ok(fixture_bytes(FIXTURE))}
    outcome, proplists = _poll_fake(routes, role, enabled)
    assert bool(proplists) == asked and bool(_neighbours(outcome)) == asked


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(400, json={"error": 400, "message": "Bad Request", "detail": "no such command or directory"}),
     httpx.Response(404, json={"error": 404, "message": "Not Found"}), httpx.Response(200, json=[])],
    ids=["no-ipv6-package", "menu-absent-404", "empty-table"],
)  # fmt: skip
def test_a_router_without_neighbours_is_skipped_cleanly(answer: httpx.Response, fixture_bytes: FixtureBytes) -> None:
    outcome, _ = _poll_fake(_firewall(fixture_bytes) | {"/ipv6/neighbor": answer})
    assert outcome.errors == [] and outcome.dead_letters == [] and _neighbours(outcome) == []


@pytest.mark.parametrize("body", [b'[{"address": ', b'{"address": "fe80::1"}'], ids=["truncated", "object"])
def test_a_bad_table_is_a_dead_letter(body: bytes, fixture_bytes: FixtureBytes) -> None:
    outcome, _ = _poll_fake(_firewall(fixture_bytes) | {"/ipv6/neighbor": _ok(body)})
    assert [(dataset, raw) for dataset, _, raw in outcome.dead_letters] == [("mikrotik/ipv6_neighbors", body)]
    assert _neighbours(outcome) == []


@pytest.mark.integration
def test_the_collector_maps_every_ipv6_flow_to_its_device_through_the_simulated_table() -> None:
    with RouterSimServer(SITE, "fw", password="pw", clock=lambda: AT) as server:
        router = MikrotikRouter(name="fw", url=server.url, allow_http=True, role="firewall")

        async def run() -> PollOutcome:
            async with MikrotikClient(router, "pw", timeout_s=5) as client:
                return await poll_router(client, lambda: make_ctx("fw"), {})

        outcome = asyncio.run(run())
    assert outcome.errors == [] and outcome.dead_letters == []
    rows = _neighbours(outcome)
    lan = {(r["address"], r["mac"], r["status"]) for r in rows if r["interface"] == "bridge"}
    assert lan == {(n.address, n.mac, n.status) for n in ipv6_neighbours(SITE, AT)}
    [isp] = [r for r in rows if r["is_router"]]
    assert isp["interface"] == "ether1" and isp["status"] == "reachable"
    by_address = {r["address"]: r["mac"] for r in rows}
    connections = next(r for r in outcome.results if r.dataset == "mikrotik/firewall_connections").rows
    v6 = {row["src_ip"] for row in connections if ":" in row["dst_ip"]}
    flows = {f.src_address: f.client for f in flows_at(SITE, AT) if ":" in f.service.address}
    assert v6 == set(flows) and len(v6) >= 5
    assert {by_address[address] for address in v6} == {client.mac for client in flows.values()}
    assert all(by_address[address] == client.mac for address, client in flows.items())
    privacy = {address for address, client in flows.items() if uses_privacy_addresses(client)}
    assert privacy and all(address != slaac_address(flows[address].mac) for address in privacy)
