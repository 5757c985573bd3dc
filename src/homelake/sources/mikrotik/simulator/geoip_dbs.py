"""Demo GeoIP databases for the simulated site: a GeoLite2-Country-like and a GeoLite2-ASN-like `.mmdb` covering
the simulated external services (their country and ASN are the flow truth), so `homelake demo` and `homelake
simulate` show the firewall connections' countries end to end. Built with mmdb-writer; every build names itself
"homelake simulator", and nothing here is real GeoIP data: a real site downloads its own databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPSet

from homelake.sim.model.flows import SERVICES, Service

BUILD = "homelake simulator"
COUNTRY_TYPE = f"GeoLite2-Country ({BUILD})"  # GeoIP.lookup names each row's build "<database_type> <build date>"
ASN_TYPE = f"GeoLite2-ASN ({BUILD})"
# the simulated IoT devices' types and the countries their clouds are in: the vacuum's later CN destination is
# outside, so the demo shows one unexpected destination (README "The network's edge")
DEMO_ALLOWED_DESTINATIONS = [{"device_types": ["relay", "smart_plug", "light", "camera", "vacuum"],
                              "countries": ["DE", "NL"]}]  # fmt: skip


class _Writer(MMDBWriter):
    """mmdb-writer stamps the wall clock as the build time; the simulator's build is the site's start."""

    def __init__(self, kind: str, built_at: datetime) -> None:
        # IPv6 with the IPv4 space mapped, as GeoLite2 is
        super().__init__(ip_version=6, ipv4_compatible=True, database_type=kind, languages=["en"],
                         description=f"{kind}: the simulated site's services only (not real GeoIP data)")  # fmt: skip
        self._built_at = built_at

    def _build_meta(self) -> dict[str, Any]:
        return super()._build_meta() | {"build_epoch": int(self._built_at.timestamp())}


def _country(service: Service) -> dict[str, Any]:
    return {"country": {"iso_code": service.country, "names": {"en": service.country}}}


def _asn(service: Service) -> dict[str, Any]:
    return {"autonomous_system_number": service.asn, "autonomous_system_organization": service.org}


def write_databases(folder: Path, built_at: datetime) -> dict[str, str]:
    """Both databases in `folder`; the `mikrotik.geoip` section naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    kinds: tuple[tuple[str, str, Callable[[Service], dict[str, Any]]], ...] = (
        ("country_db", COUNTRY_TYPE, _country), ("asn_db", ASN_TYPE, _asn))  # fmt: skip
    for key, kind, record in kinds:
        writer = _Writer(kind, built_at)
        for service in SERVICES.values():
            writer.insert_network(IPSet([service.address]), record(service))
        path = folder / f"homelake-simulator-{key.removesuffix('_db')}.mmdb"
        writer.to_db_file(str(path))
        paths[key] = str(path.resolve())
    return paths
