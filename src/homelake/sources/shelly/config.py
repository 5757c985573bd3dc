"""Configuration of the Shelly family: static devices and discovery of Shellies from DHCP leases."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homelake.secrets import SecretRef
from homelake.sources.config import unique_names

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HTTP_PORT = 80  # the default port, left out of URLs


def _network(value: str, role: str) -> Network:
    try:
        return ipaddress.ip_network(value.strip())
    except ValueError as exc:
        raise ValueError(f"{role} {value!r} is not a network in CIDR form like 192.168.88.0/24 ({exc})") from None


class ShellyDiscoveryConfig(BaseModel):
    """Which DHCP leases are Shellies, and how their LAN address is reached from the collector."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # LAN network -> the network it is reachable as, same size (a tunnel, NAT, or the simulator's loopback).
    address_map: dict[str, str] = {}
    port: int = Field(80, ge=1, le=65535)
    hostname_prefixes: list[str] = ["shelly"]
    vendors: list[str] = ["Shelly"]
    refresh_s: float = Field(60.0, gt=0)
    lease_window_s: float = Field(900.0, gt=0)

    @field_validator("address_map")
    @classmethod
    def _cidrs(cls, value: dict[str, str]) -> dict[str, str]:
        for source, target in value.items():
            lan, reach = _network(source, "address_map key"), _network(target, "address_map value")
            if lan.version != reach.version or lan.prefixlen != reach.prefixlen:
                raise ValueError(f"address_map {source} -> {target}: both networks must be the same size")
        return value

    @field_validator("hostname_prefixes")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [prefix.lower() for prefix in value if prefix]

    def reach(self, ip: str) -> str:
        """The address a LAN IP is reached at: the same offset in the mapped network (unmapped: itself)."""
        address = ipaddress.ip_address(ip)
        for source, target in self.address_map.items():
            lan, mapped = ipaddress.ip_network(source), ipaddress.ip_network(target)
            if address.version == lan.version and address in lan:
                return str(mapped.network_address + (int(address) - int(lan.network_address)))
        return ip

    def url_for(self, ip: str) -> str:
        host = self.reach(ip)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}" if self.port == _HTTP_PORT else f"http://{host}:{self.port}"


class ShellyStaticDevice(BaseModel):
    """A device polled at a fixed URL; a discovered device with this id uses these credentials."""

    model_config = ConfigDict(extra="forbid")

    device_id: str | None = None  # e.g. shellyplus1pm-4417939a5610; None: named after the URL's host
    url: str
    username: str = "admin"  # Gen2+ always uses admin; Gen1 may use another
    password: SecretRef | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("http://", "https://")) or not urlsplit(value).hostname:
            raise ValueError("must be a base URL like http://192.168.88.60")
        return value

    @property
    def name(self) -> str:
        return self.device_id or str(urlsplit(self.url).hostname)


class ShellyFamily(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    discovery: ShellyDiscoveryConfig = ShellyDiscoveryConfig()
    devices: list[ShellyStaticDevice] = []

    @model_validator(mode="after")
    def _unique_names(self) -> ShellyFamily:
        unique_names((device.name for device in self.devices), "device ids")
        return self
