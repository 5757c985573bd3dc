"""RouterOS REST simulator: exact payload shapes (pure) and the real HTTP(S) server with faults."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from homelake.sim.model.site import Site
from homelake.sim.servers.tls import tls_available
from homelake.sources.base import ParseContext
from homelake.sources.mikrotik import edge_parser, parser
from homelake.sources.mikrotik.simulator import (
    RouterSimServer,
    SimRestError,
    apply_query,
    format_duration,
    render,
    router_paths,
)
from homelake.sources.mikrotik.simulator.history import iter_router_payloads

DURATION = re.compile(r"^(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$")
UPPER_MAC = re.compile(r"^(?:[0-9A-F]{2}:){5}[0-9A-F]{2}$")
PASSWORD = "s3cret"


@pytest.fixture(scope="module")
def at(site: Site) -> datetime:
    return site.start + timedelta(days=1, hours=19, minutes=7, seconds=13)  # Tuesday evening


def _all_values(payload: Any) -> Iterator[Any]:
    for item in payload if isinstance(payload, list) else [payload]:
        yield from item.values()


def test_format_duration() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(3723) == "1h2m3s"
    assert format_duration(9 * 86400 + 5) == "1w2d5s"
    assert format_duration(0.17, millis=True) == "170ms"
    assert format_duration(16.33, millis=True) == "16s330ms"


def test_every_value_is_a_string_over_a_day(site: Site) -> None:
    seen = set()
    for _, router, path, payload in iter_router_payloads(
        site, site.start, site.start + timedelta(days=1), timedelta(minutes=30)
    ):
        seen.add((router, path))
        assert isinstance(payload, list | dict)
        assert all(isinstance(value, str) for value in _all_values(payload)), (router, path)
    assert ("fw", "/ip/dhcp-server/lease") in seen and (
        "ap-office",
        "/interface/wifi/registration-table",
    ) in seen
    # 4 routers x (interface, resource, identity), leases, 2 wifi tables, the firewall's dhcp-client, connections,
    # DNS cache, Netwatch and IPv6 neighbours
    assert len(seen) == 3 * 4 + 1 + 2 + 5
    assert ("fw", "/tool/netwatch") in seen and ("fw", "/ipv6/neighbor") in seen


def test_lease_shapes(site: Site, at: datetime) -> None:
    leases = render(site, "fw", "/ip/dhcp-server/lease", at)
    by_mac = {lease["mac-address"]: lease for lease in leases}
    assert len(by_mac) == len(leases)
    for lease in leases:
        assert UPPER_MAC.match(lease["mac-address"]) and lease["server"] == "lan"
        assert DURATION.match(lease["last-seen"]) or lease["last-seen"] == "never"
        bound = lease["status"] == "bound"
        assert ("active-address" in lease) == bound == ("expires-after" in lease)
        assert lease.get("client-id", "1:").startswith("1:")
        if bound:
            assert lease["active-address"] == lease["address"] and DURATION.match(lease["expires-after"])
    for client in site.clients:
        lease = by_mac.get(client.mac.upper())
        if lease is None:
            continue
        assert ("host-name" in lease) == (client.hostname is not None and lease["last-seen"] != "never")
        assert ("comment" in lease) == client.is_static
        assert lease["dynamic"] == ("false" if client.is_static else "true")
    nas = by_mac[site.client("nas-old").mac.upper()]
    assert nas["status"] == "waiting" and nas["last-seen"] == "never" and "host-name" not in nas


def test_wifi_and_interfaces(site: Site, at: datetime) -> None:
    table = render(site, "ap-living", "/interface/wifi/registration-table", at)
    truth = {s.mac.upper() for s in site.state_at(at).online() if s.ap == "ap-living"}
    assert {row["mac-address"] for row in table} == truth
    assert all(row["ssid"] == "homelake" and int(row["signal"]) < 0 for row in table)
    assert all(len(row["bytes"].split(",")) == 2 and DURATION.match(row["uptime"]) for row in table)
    ports = render(site, "ap-living", "/interface", at)
    assert {"ether1", "ether2", "wifi1", "wifi2", "bridge"} == {p["name"] for p in ports}
    later = {p["name"]: p for p in render(site, "ap-living", "/interface", at + timedelta(minutes=5))}
    assert all(int(later[p["name"]]["rx-byte"]) >= int(p["rx-byte"]) for p in ports)
    wan = next(p for p in render(site, "fw", "/interface", at) if p["name"] == "ether1")
    assert int(wan["rx-byte"]) > 2**32 and wan["comment"] == "WAN"
    resource = render(site, "sw", "/system/resource", at)
    assert resource["board-name"] == "CRS326-24G-2S+" and DURATION.match(resource["uptime"])
    assert render(site, "ap-office", "/system/identity", at) == {"name": "ap-office"}


def test_payloads_parse_without_rejects(site: Site, at: datetime) -> None:
    tz = ZoneInfo(site.timezone)
    for router in site.routers:
        ctx = ParseContext("mikrotik", router.name, "test", at, at, tz)
        payloads = {path: render(site, router.name, path, at) for path in router_paths(site, router.name)}
        results = [parser.parse_interfaces(payloads["/interface"], ctx)]
        results.append(parser.parse_system(payloads["/system/resource"], ctx, payloads["/system/identity"]))
        if "/ip/dhcp-server/lease" in payloads:
            results.append(parser.parse_leases(payloads["/ip/dhcp-server/lease"], ctx))
        if "/interface/wifi/registration-table" in payloads:
            results.append(parser.parse_wifi(payloads["/interface/wifi/registration-table"], ctx, "wifi"))
        if "/ipv6/neighbor" in payloads:
            results.append(edge_parser.parse_ipv6_neighbors(payloads["/ipv6/neighbor"], ctx))
        for result in results:
            assert result.rows and not result.rejects, (router.name, result.dataset, result.rejects[:1])


@pytest.mark.parametrize(
    ("router", "path", "status", "detail"),
    [
        ("fw", "/interface/wifi/registration-table", 400, "no such command or directory (wifi)"),
        ("sw", "/ip/dhcp-server/lease", 400, "no such command or directory (dhcp-server)"),
        ("ap-living", "/ip/dhcp-server/lease", 400, "no such command or directory (dhcp-server)"),
        ("fw", "/xyz", 400, "no such command or directory (xyz)"),
        ("sw", "/ipv6/neighbor", 400, "no such command or directory (ipv6)"),
        ("fw", "/ip/dhcp-server/lease/print", 400, "no such command"),
        ("fw", "/interface/*FFFF", 404, None),
    ],
)
def test_errors(site: Site, at: datetime, router: str, path: str, status: int, detail: str | None) -> None:
    with pytest.raises(SimRestError) as caught:
        render(site, router, path, at)
    assert caught.value.status == status and caught.value.body["error"] == status
    assert caught.value.body.get("detail") == detail


def test_single_items_and_query(site: Site, at: datetime) -> None:
    assert render(site, "fw", "/interface/*1", at) == render(site, "fw", "/interface/ether1", at)
    leases = render(site, "fw", "/ip/dhcp-server/lease", at)
    assert render(site, "fw", f"/ip/dhcp-server/lease/{leases[0]['.id']}", at) == leases[0]
    waiting = apply_query(leases, [("status", "waiting"), (".proplist", "address,status")])
    assert waiting and all(set(row) == {".id", "address", "status"} for row in waiting)
    assert all(row["status"] == "waiting" for row in waiting)
    assert apply_query({"name": "fw", "x": "1"}, [(".proplist", "name")]) == {"name": "fw"}


# --- over real HTTP ---------------------------------------------------------------------------------
@pytest.fixture
def server(site: Site, at: datetime) -> Iterator[RouterSimServer]:
    with RouterSimServer(site, "fw", password=PASSWORD, clock=lambda: at, fault_delay_s=3) as running:
        yield running


def _get(server: RouterSimServer, path: str, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("auth", ("admin", PASSWORD))
    return httpx.get(server.url + "/rest" + path, timeout=kwargs.pop("timeout", 5), **kwargs)


@pytest.mark.integration
def test_basic_auth_is_enforced(server: RouterSimServer) -> None:
    ok = _get(server, "/system/identity")
    assert ok.status_code == 200 and ok.json() == {"name": "fw"}
    assert ok.headers["content-type"] == "application/json"
    for auth in (None, ("admin", "wrong"), ("root", PASSWORD)):
        denied = _get(server, "/system/identity", auth=auth)
        assert denied.status_code == 401 and denied.json() == {"error": 401, "message": "Unauthorized"}


@pytest.mark.integration
def test_http_errors_filtering_and_proplist(server: RouterSimServer) -> None:
    missing = _get(server, "/interface/wifi/registration-table")
    assert missing.status_code == 400
    assert missing.json() == {
        "detail": "no such command or directory (wifi)",
        "error": 400,
        "message": "Bad Request",
    }
    assert _get(server, "/interface/*FFFF").json() == {"error": 404, "message": "Not Found"}
    rows = _get(server, "/ip/dhcp-server/lease", params={"dynamic": "false", ".proplist": "address"}).json()
    assert rows and all(set(row) == {".id", "address"} for row in rows)
    assert {row["address"] for row in rows} >= {"192.168.88.20", "192.168.88.40"}
    printed = httpx.post(server.url + "/rest/ip/dhcp-server/lease/print", auth=("admin", PASSWORD),
                         json={".proplist": ["address"], ".query": ["dynamic=false"]})  # fmt: skip
    assert printed.json() == rows


@pytest.mark.integration
def test_faults_from_python(server: RouterSimServer) -> None:
    server.faults.inject("server_error", count=2)
    assert [_get(server, "/system/identity").status_code for _ in range(3)] == [500, 500, 200]
    server.faults.inject("unauthorized")
    assert _get(server, "/system/identity").status_code == 401
    server.faults.inject("malformed_json", path="/interface")
    assert _get(server, "/system/identity").json() == {"name": "fw"}  # other paths unaffected
    broken = _get(server, "/interface")
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    server.faults.inject("truncated")
    with pytest.raises(httpx.RemoteProtocolError):
        _get(server, "/ip/dhcp-server/lease")
    server.faults.inject("empty_leases")
    assert _get(server, "/system/identity").status_code == 200  # empty_leases waits for the lease path
    assert _get(server, "/ip/dhcp-server/lease").json() == []
    assert _get(server, "/ip/dhcp-server/lease").json() != []
    server.faults.inject("timeout")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _get(server, "/system/identity", timeout=0.3)
    assert time.monotonic() - started < 2


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["timeout", "unauthorized", "server_error", "malformed_json", "truncated"])
def test_faults_over_the_control_path(server: RouterSimServer, kind: str) -> None:
    armed = httpx.post(server.url + "/_sim/faults", json={"kind": kind, "count": 1, "path": "/system"})
    assert armed.status_code == 200 and armed.json()["faults"][0]["kind"] == kind
    assert _get(server, "/interface").status_code == 200  # path prefix: not armed for /interface
    try:
        response = _get(server, "/system/resource", timeout=0.5)
        failure = (response.status_code, response.text)
    except httpx.HTTPError as exc:
        failure = (0, type(exc).__name__)
    expected = {"timeout": (0, "ReadTimeout"), "unauthorized": 401, "server_error": 500,
                "malformed_json": 200, "truncated": (0, "RemoteProtocolError")}[kind]  # fmt: skip
    if isinstance(expected, tuple):
        assert failure == expected
    else:
        assert failure[0] == expected
    assert _get(server, "/system/resource").status_code == 200  # count 1: disarmed again


@pytest.mark.integration
def test_control_path_lists_clears_and_validates(server: RouterSimServer) -> None:
    control = server.url + "/_sim/faults"
    assert httpx.post(control, json={"kind": "empty_leases", "count": None}).status_code == 200
    assert httpx.get(control).json()["faults"] == [
        {"kind": "empty_leases", "remaining": None, "path": "/ip/dhcp-server/lease"}
    ]
    assert _get(server, "/ip/dhcp-server/lease").json() == [] == _get(server, "/ip/dhcp-server/lease").json()
    assert httpx.delete(control).json()["faults"] == []
    assert _get(server, "/ip/dhcp-server/lease").json() != []
    assert httpx.post(control, json={"kind": "explode"}).status_code == 400


@pytest.mark.integration
def test_stop_does_not_wait_for_a_sleeping_timeout(site: Site, at: datetime) -> None:
    sim = RouterSimServer(site, "sw", password=PASSWORD, clock=lambda: at, fault_delay_s=60).start()
    sim.faults.inject("timeout", count=None)
    with pytest.raises(httpx.ReadTimeout):
        _get(sim, "/system/identity", timeout=0.3)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 3


@pytest.mark.integration
@pytest.mark.skipif(not tls_available(), reason="needs cryptography or openssl for a self-signed cert")
def test_tls_with_self_signed_cert(site: Site, at: datetime) -> None:
    with RouterSimServer(site, "ap-office", password=PASSWORD, tls=True, clock=lambda: at) as sim:
        assert sim.url.startswith("https://") and sim.cert_path is not None
        trusted = ssl.create_default_context(cafile=str(sim.cert_path))
        rows = _get(sim, "/interface/wifi/registration-table", verify=trusted).json()
        assert rows and all(row["ssid"] == "homelake" for row in rows)
        with pytest.raises(httpx.ConnectError):
            _get(sim, "/system/identity")  # system trust store: self-signed is refused


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_an_independent_client_curl_talks_to_it_as_to_a_router(site: Site, at: datetime) -> None:
    """curl, not our httpx client: basic auth, `.proplist`/filter queries, RouterOS error bodies, HTTPS with
    the simulator's certificate, exactly as one would talk to a real RouterOS v7."""

    def curl(url: str, *args: str) -> tuple[int, Any]:
        out = subprocess.run(
            ["curl", "-sS", "-w", "\n%{http_code}", *args, url], capture_output=True, text=True, timeout=20, check=True
        ).stdout
        body, _, status = out.rpartition("\n")
        return int(status), json.loads(body) if body else None

    with RouterSimServer(site, "fw", password=PASSWORD, clock=lambda: at) as sim:
        auth = ("-u", f"admin:{PASSWORD}")
        status, leases = curl(sim.url + "/rest/ip/dhcp-server/lease?.proplist=mac-address,address,status", *auth)
        truth = {c.mac: s for c in site.clients if (s := site.state_at(at).clients[c.mac]).lease is not None}
        assert status == 200 and {row["mac-address"].lower() for row in leases} == set(truth)
        assert all(set(row) <= {".id", "mac-address", "address", "status"} for row in leases)
        assert {row["mac-address"].lower(): row["address"] for row in leases} == {m: s.ip for m, s in truth.items()}
        status, bound = curl(sim.url + "/rest/ip/dhcp-server/lease?status=bound", *auth)
        assert status == 200 and bound and all(row["status"] == "bound" for row in bound)
        status, body = curl(sim.url + "/rest/system/identity", "-u", "admin:wrong")
        assert status == 401
        status, body = curl(sim.url + "/rest/interface/wireless/registration-table", *auth)
        assert status == 400 and "no such command" in body["detail"]
    if tls_available():
        with RouterSimServer(site, "ap-office", password=PASSWORD, tls=True, clock=lambda: at) as sim:
            status, ident = curl(sim.url + "/rest/system/identity", *auth, "--cacert", str(sim.cert_path))
            assert status == 200 and ident == {"name": "ap-office"}
