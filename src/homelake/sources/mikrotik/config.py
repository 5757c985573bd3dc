"""Configuration of one MikroTik router polled over the RouterOS v7 REST API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.secrets import SecretRef
from homelake.sources.config import DeviceConfig, unique_names
from homelake.sources.mikrotik.geoip import GeoipConfig
from homelake.sources.mikrotik.traffic import TrafficConfig


class MikrotikRouter(DeviceConfig):
    """One router. `url` is the base, e.g. `https://192.168.88.1` (the client adds `/rest`)."""

    url_error: ClassVar[str] = "must start with https:// (or http:// together with allow_http: true)"
    http_error: ClassVar[str | None] = "plain http:// sends the password in clear; use https:// or set allow_http: true"

    role: Literal["firewall", "switch", "ap", "router"] = "router"
    username: str = "admin"
    password: SecretRef | None = None
    # True: verify against system CAs; a path: verify against that CA bundle; False: explicit opt-out.
    verify_tls: bool | Path = True
    allow_http: bool = False
    timezone: str | None = None  # router wall-clock zone; defaults to the site's
    interval_s: float | None = None
    timeout_s: float | None = None
    probe_targets: list[str] = []  # addresses the router pings each poll (`/rest/ping`): gateway, resolvers
    # poll `/ipv6/neighbor` (which MAC each IPv6 address is: names the device behind a privacy address);
    # None: on for the firewall, whose connection table is polled
    ipv6_neighbors: bool | None = None

    @property
    def polls_ipv6_neighbors(self) -> bool:
        return self.role == "firewall" if self.ipv6_neighbors is None else self.ipv6_neighbors


class MikrotikFamily(BaseModel):
    """`mikrotik:` in the site file: the routers, with family-wide interval and timeout overrides."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    routers: list[MikrotikRouter] = []
    geoip: GeoipConfig | None = None  # country/ASN databases for the firewall's connections
    traffic: TrafficConfig = TrafficConfig()  # LAN networks (flow direction) and IoT destination allow-list

    def dbt_vars(self) -> dict[str, Any]:
        """The flow marts' vars (LAN networks, destination allow-list); `homelake transform` passes them to dbt."""
        return self.traffic.dbt_vars()

    @model_validator(mode="after")
    def _unique_names(self) -> MikrotikFamily:
        unique_names((r.name for r in self.routers), "router names")
        return self
