"""Country and network (ASN) of external addresses from MaxMind-format databases the owner downloaded."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from homelake.sources.mikrotik.edge_datasets import GEOIP_LOOKUPS

log = logging.getLogger(__name__)
__all__ = ["GEOIP_LOOKUPS", "GeoIP", "GeoipConfig", "is_external"]


class GeoipConfig(BaseModel):
    """`mikrotik.geoip` in the site file: GeoLite2 Country/ASN or DB-IP Lite `.mmdb` files (never fetched)."""

    model_config = ConfigDict(extra="forbid")

    country_db: Path | None = None
    asn_db: Path | None = None


@dataclass(frozen=True)
class _Database:
    reader: Any  # maxminddb.Reader
    build: str  # e.g. "GeoLite2-Country 2025-03-04"


def _open(path: Path | None, what: str) -> _Database | None:
    """The database, or None with one clear warning (flows still land, without this enrichment)."""
    if path is None:
        return None
    import maxminddb  # noqa: PLC0415 - lazy: the site file's model loads no reader

    try:
        reader = maxminddb.open_database(str(path))
    except (OSError, maxminddb.InvalidDatabaseError, ValueError) as exc:
        log.warning("geoip %s database %s unusable (%s); connections land without it", what, path, exc)
        return None
    meta = reader.metadata()
    built = datetime.fromtimestamp(meta.build_epoch, UTC).date().isoformat()
    return _Database(reader, f"{meta.database_type} {built}")


DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def is_external(address: str) -> bool:
    """True for a globally routable address (documentation ranges count, so tests and the simulator use them)."""
    ip = ipaddress.ip_address(address)
    return ip.is_global or any(ip in network for network in DOCUMENTATION_NETWORKS)


class GeoIP:
    """The owner's databases, opened once; `lookups` gives one row per external address not asked before."""

    def __init__(self, config: GeoipConfig) -> None:
        self.country = _open(config.country_db, "country")
        self.asn = _open(config.asn_db, "ASN")
        self._seen: set[str] = set()

    @property
    def enabled(self) -> bool:
        return self.country is not None or self.asn is not None

    def lookup(self, address: str) -> dict[str, Any]:
        """country_code, asn, as_org and the database builds; nulls for an address missing from a database."""
        row: dict[str, Any] = {"address": address, "country_code": None, "asn": None, "as_org": None}
        builds = []
        for db, fill in ((self.country, _country), (self.asn, _asn)):
            if db is None:
                continue
            builds.append(db.build)
            try:
                record = db.reader.get(address)
            except ValueError:  # an IPv6 address in an IPv4-only database
                record = None
            if isinstance(record, dict):
                row |= fill(record)
        return row | {"database": " + ".join(builds)}

    def lookups(self, addresses: Iterable[str | None]) -> list[dict[str, Any]]:
        if not self.enabled:
            return []
        rows = []
        for address in addresses:
            if address is None or address in self._seen or not is_external(address):
                continue
            self._seen.add(address)
            rows.append(self.lookup(address))
        return rows


def _country(record: dict[str, Any]) -> dict[str, Any]:
    country = record.get("country") or record.get("registered_country") or {}
    return {"country_code": country.get("iso_code")}


def _asn(record: dict[str, Any]) -> dict[str, Any]:
    return {"asn": record.get("autonomous_system_number"), "as_org": record.get("autonomous_system_organization")}
