"""GeoIP enrichment with small databases built by mmdb-writer (nothing is fetched): countries and ASNs of
external addresses, IPv6, misses, a corrupt file (one warning, connections still land), and the collector."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from homelake.sim.model.flows import SERVICES
from homelake.sim.model.site import build_site
from homelake.sources.base import PollOutcome, SimContext
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import poll_router
from homelake.sources.mikrotik.config import MikrotikFamily, MikrotikRouter
from homelake.sources.mikrotik.geoip import GeoIP, GeoipConfig, is_external
from homelake.sources.mikrotik.simulator import MikrotikSimulator
from tests.sources.mikrotik.conftest import make_ctx
from tests.sources.mikrotik.test_collector import FakeRouter, _firewall, _ok


def _build(path: Path, kind: str, networks: dict[str, dict[str, object]]) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=kind, languages=["en"], description=kind)
    for cidr, record in networks.items():
        writer.insert_network(IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def dbs(tmp_path: Path) -> GeoipConfig:
    country = _build(tmp_path / "country.mmdb", "GeoLite2-Country", {
        "198.51.100.0/24": {"country": {"iso_code": "DE", "names": {"en": "Germany"}}},
        "2001:db8:ffff::/48": {"registered_country": {"iso_code": "US"}},
    })  # fmt: skip
    asn = _build(tmp_path / "asn.mmdb", "GeoLite2-ASN", {
        "198.51.100.0/24": {"autonomous_system_number": 64500, "autonomous_system_organization": "Example Cloud"},
    })  # fmt: skip
    return GeoipConfig(country_db=country, asn_db=asn)


def test_lookups_name_country_asn_and_the_builds(dbs: GeoipConfig) -> None:
    geoip = GeoIP(dbs)
    v4 = geoip.lookup("198.51.100.10")
    assert (v4["country_code"], v4["asn"], v4["as_org"]) == ("DE", 64500, "Example Cloud")
    assert v4["database"].startswith("GeoLite2-Country ") and " + GeoLite2-ASN " in v4["database"]
    v6 = geoip.lookup("2001:db8:ffff::1")
    assert (v6["country_code"], v6["asn"]) == ("US", None)
    miss = geoip.lookup("203.0.113.9")  # in neither database: nulls, never a crash
    assert (miss["country_code"], miss["asn"], miss["as_org"]) == (None, None, None)


def test_each_external_address_is_looked_up_once(dbs: GeoipConfig) -> None:
    geoip = GeoIP(dbs)
    rows = geoip.lookups(["192.168.88.23", "198.51.100.10", None, "198.51.100.10", "fe80::1", "10.1.2.3"])
    assert [r["address"] for r in rows] == ["198.51.100.10"]
    assert geoip.lookups(["198.51.100.10"]) == []
    assert is_external("8.8.8.8") and not is_external("172.16.0.1") and is_external("2001:db8::5")


def test_a_corrupt_or_missing_database_is_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"not a maxmind database" * 10)
    with caplog.at_level(logging.WARNING):
        geoip = GeoIP(GeoipConfig(country_db=bad, asn_db=tmp_path / "missing.mmdb"))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "connections land without it" in warnings[0]
    assert not geoip.enabled and geoip.lookups(["198.51.100.10"]) == []


def test_the_simulators_site_file_ships_demo_databases_of_its_services(tmp_path: Path) -> None:
    """`homelake demo`/`simulate`: the mikrotik section points `geoip` at databases the simulator wrote beside its
    secrets; every simulated service's address answers its country and ASN, and the build names the simulator."""
    site = build_site()
    simulator = MikrotikSimulator(SimContext(site=site))
    simulator.start()
    try:
        section = simulator.site_config(tmp_path / "secrets", interval_s=5)
    finally:
        simulator.stop()
    family = MikrotikFamily.model_validate(section)
    assert family.geoip is not None and family.geoip.country_db is not None and family.geoip.asn_db is not None
    assert {family.geoip.country_db.parent, family.geoip.asn_db.parent} == {tmp_path / "geoip"}
    geoip = GeoIP(family.geoip)
    built = site.start.date().isoformat()  # the build date is the site's start, never the wall clock
    for service in SERVICES.values():
        row = geoip.lookup(service.address)
        assert (row["country_code"], row["asn"], row["as_org"]) == (service.country, service.asn, service.org)
        assert row["database"] == (f"GeoLite2-Country (homelake simulator) {built}"
                                   f" + GeoLite2-ASN (homelake simulator) {built}")  # fmt: skip
    assert geoip.lookup("192.0.2.1")["country_code"] is None  # only the services: nothing else is made up
    # the demo's allow-list: the IoT clouds' countries, so the vacuum's later CN destination is the one unexpected
    vacuum_rules = [r for r in family.traffic.allowed_destinations if "vacuum" in r.device_types]
    assert [sorted(r.countries) for r in vacuum_rules] == [["DE", "NL"]]
    assert "CN" not in {c for r in family.traffic.allowed_destinations for c in r.countries}


def _poll(fixture_bytes: Callable[[str], bytes], geoip: GeoIP) -> PollOutcome:
    routes = _firewall(fixture_bytes) | {
        "/ip/firewall/connection": _ok(fixture_bytes("rb4011_7.16.2_firewall_connections.json"))
    }
    router = MikrotikRouter(name="fw", url="https://192.168.88.1", role="firewall")

    async def run() -> PollOutcome:
        async with MikrotikClient(router, "pw", transport=httpx.MockTransport(FakeRouter(routes))) as client:
            return await poll_router(client, lambda: make_ctx("fw"), {}, geoip=geoip)

    return asyncio.run(run())


def test_the_collector_lands_lookups_beside_the_connections(
    dbs: GeoipConfig, fixture_bytes: Callable[[str], bytes]
) -> None:
    outcome = _poll(fixture_bytes, GeoIP(dbs))
    by = {r.dataset: r for r in outcome.results}
    assert len(by["mikrotik/firewall_connections"].rows) == 6
    looked_up = {row["address"]: row for row in by["mikrotik/geoip_lookups"].rows}
    assert looked_up["198.51.100.10"]["country_code"] == "DE"
    assert "192.168.88.23" not in looked_up and "203.0.113.2" in looked_up  # the public side of src-nat too
    assert MikrotikFamily.model_validate({"geoip": {"country_db": "/x.mmdb"}}).geoip is not None


def test_without_a_usable_database_the_connections_still_land(
    tmp_path: Path, fixture_bytes: Callable[[str], bytes]
) -> None:
    outcome = _poll(fixture_bytes, GeoIP(GeoipConfig(country_db=tmp_path / "missing.mmdb")))
    by = {r.dataset: r for r in outcome.results}
    assert len(by["mikrotik/firewall_connections"].rows) == 6 and by["mikrotik/geoip_lookups"].rows == []
