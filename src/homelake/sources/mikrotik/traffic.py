"""`mikrotik.traffic` in the site file: which networks are the LAN (flow direction) and where IoT devices may go."""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# RFC 1918, IPv6 unique-local and link-local: a home LAN without global IPv6 needs nothing more. A LAN with a
# global IPv6 prefix (or a public IPv4 range) lists it, or its devices' IPv6 flows count as neither side's.
DEFAULT_LAN_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10")


class AllowedDestinations(BaseModel):
    """Devices of `device_types` (device_metadata's column) may talk to these countries (ISO codes) and networks
    (ASNs); anything else they talk to lands in `device_destinations_unexpected`."""

    model_config = ConfigDict(extra="forbid")

    device_types: list[str] = Field(min_length=1)
    countries: list[str] = []
    asns: list[int] = []

    @field_validator("countries")
    @classmethod
    def _iso(cls, value: list[str]) -> list[str]:
        for code in value:
            if len(code) != 2 or not code.isalpha():  # noqa: PLR2004 - ISO 3166-1 alpha-2
                raise ValueError(f"{code!r} is not a two-letter ISO country code (e.g. DE)")
        return [code.upper() for code in value]


class TrafficConfig(BaseModel):
    """Direction of each connection comes from `lan_networks` (CIDRs): LAN source to outside is outbound, outside
    to a LAN host (dst-nat) inbound, LAN to LAN internal (kept out of the external marts)."""

    model_config = ConfigDict(extra="forbid")

    lan_networks: list[str] = list(DEFAULT_LAN_NETWORKS)
    allowed_destinations: list[AllowedDestinations] = []

    @field_validator("lan_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        out = []
        for cidr in value:
            try:
                out.append(str(ipaddress.ip_network(cidr.strip(), strict=False)))
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network; write it as a CIDR like 192.168.88.0/24") from None
        return out

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt project's vars: LAN networks as CIDRs; the allow-list as [device_type, 'country'|'asn', value]."""
        allowed = [
            [device_type, kind, str(value)]
            for rule in self.allowed_destinations
            for device_type in rule.device_types
            for kind, values in (("country", rule.countries), ("asn", rule.asns))
            for value in values
        ]
        checked = sorted({t for rule in self.allowed_destinations for t in rule.device_types})
        return {"traffic_lan_networks": self.lan_networks, "traffic_allowed_destinations": allowed,
                "traffic_checked_device_types": checked}  # fmt: skip
