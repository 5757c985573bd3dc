"""Configuration of the Prometheus text endpoints to scrape (node_exporter on each node, and any other)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.sources.config import DeviceConfig, unique_names
from homelake.sources.prometheus.allow import DEFAULT_ALLOW, AllowList


class PrometheusEndpoint(DeviceConfig):
    """One endpoint, e.g. `http://pi1.cluster:9100/metrics`. `allow` adds patterns to the family's default."""

    url_error: ClassVar[str] = "must start with http:// or https:// (the full metrics URL, e.g. .../metrics)"
    strip_slash: ClassVar[bool] = False  # the full metrics URL, kept as given

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")  # a node's host name may have dots
    node: str | None = None  # the machine it describes; defaults to the name
    job: str = "node"  # node | k3s | kube-state-metrics | homelake | ...
    allow: list[str] = []
    allow_all: bool = False  # keep every family (small endpoints the owner wants whole)
    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)


class PrometheusFamily(BaseModel):
    """`prometheus:` in the site file: the endpoints and the allow-list every endpoint starts from."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    default_allow: list[str] = list(DEFAULT_ALLOW)
    endpoints: list[PrometheusEndpoint] = []

    def allow_list(self, endpoint: PrometheusEndpoint) -> AllowList:
        return AllowList((*self.default_allow, *endpoint.allow), everything=endpoint.allow_all)

    @model_validator(mode="after")
    def _unique_names(self) -> PrometheusFamily:
        unique_names((e.name for e in self.endpoints), "endpoint names")
        return self
