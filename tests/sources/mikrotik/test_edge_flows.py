"""The firewall's connections and DNS cache over a real socket: the collector reads what the site model says
the LAN is doing (bytes equal the truth), and GeoIP (databases built by mmdb-writer) names where it goes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPSet

from homelake.sim.model.flows import SERVICES, flows_at, slaac_address, uses_privacy_addresses
from homelake.sim.model.site import build_site
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.geoip import GeoIP, GeoipConfig
from homelake.sources.mikrotik.simulator import RouterSimServer
from tests.sources.mikrotik.conftest import make_ctx

SITE = build_site()
AT = SITE.start + timedelta(hours=20, minutes=40)  # evening: phones, laptops and the TV are on


def _databases(tmp_path: Path) -> GeoipConfig:
    paths = {}
    for kind, record in (("GeoLite2-Country", lambda s: {"country": {"iso_code": s.country}}),
                         ("GeoLite2-ASN", lambda s: {"autonomous_system_number": s.asn,
                                                     "autonomous_system_organization": s.org})):  # fmt: skip
        writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=kind)
        for service in SERVICES.values():
            writer.insert_network(IPSet([service.address]), record(service))
        paths[kind] = tmp_path / f"{kind}.mmdb"
        writer.to_db_file(str(paths[kind]))
    return GeoipConfig(country_db=paths["GeoLite2-Country"], asn_db=paths["GeoLite2-ASN"])


def test_connections_and_their_countries_equal_the_truth(tmp_path: Path) -> None:
    geoip = GeoIP(_databases(tmp_path))
    with RouterSimServer(SITE, "fw", password="pw", clock=lambda: AT) as server:
        router = MikrotikRouter(name="fw", url=server.url, allow_http=True, role="firewall")

        async def run() -> Any:
            async with MikrotikClient(router, "pw", timeout_s=5) as client:
                return await poll_router(client, lambda: make_ctx("fw"), {}, geoip=geoip)

        outcome = asyncio.run(run())
    assert outcome.errors == []
    by = {r.dataset: r for r in outcome.results}
    got = {(r["src_ip"], r["src_port"], r["dst_ip"]): (r["orig_bytes"], r["repl_bytes"])
           for r in by["mikrotik/firewall_connections"].rows}  # fmt: skip
    truth = {(f.src_address, f.src_port, f.service.address): (f.sent_bytes, f.received_bytes)
             for f in flows_at(SITE, AT)}  # fmt: skip
    assert got == truth and len(truth) >= 10
    # IPv6 flows too ([v6]:port): from SLAAC (EUI-64) sources, and phones' and laptops' from temporary addresses
    v6 = {src for src, _, dst in got if ":" in dst}
    slaac = {slaac_address(c.mac) for c in SITE.clients}
    assert v6 & slaac and v6 - slaac
    assert v6 - slaac == {
        f.src_address for f in flows_at(SITE, AT) if uses_privacy_addresses(f.client) and ":" in f.src_address
    }
    countries = {r["address"]: (r["country_code"], r["asn"]) for r in by["mikrotik/geoip_lookups"].rows}
    used = {f.service for f in flows_at(SITE, AT)}
    assert {countries[s.address] for s in used} == {(s.country, s.asn) for s in used}
    names = {(r["name"], r["data"]) for r in by["mikrotik/dns_cache"].rows}
    assert names == {(s.name, s.address) for s in SERVICES.values()}
