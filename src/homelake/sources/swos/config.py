"""Configuration of the SwOS / SwOS Lite switches polled over their web UI's `.b` endpoints (HTTP Digest)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homelake.secrets import SecretRef
from homelake.sources.config import DeviceConfig, unique_names


class SwosSnmp(BaseModel):
    """`snmp:` of a switch: read its IF-MIB port counters and BRIDGE-MIB forwarding table (SNMP v1 or v2c).
    The community is a secret like a password: `{env: NAME}` or `{file: PATH}`, never inline."""

    model_config = ConfigDict(extra="forbid")

    community: SecretRef
    host: str | None = None  # default: the host of the switch's `url`
    port: int = Field(161, ge=1, le=65535)
    version: Literal["1", "2c"] = "2c"  # v1 has no 64-bit counters: the 32-bit ones wrap every 34 s at 1 Gbit/s
    timeout_s: float = Field(2.0, gt=0)
    retries: int = Field(1, ge=0, le=5)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # YAML's `1`


class SwosSwitch(DeviceConfig):
    """One switch. `url` is its web UI, e.g. `http://192.168.88.5` (SwOS Lite speaks plain HTTP only)."""

    url_error: ClassVar[str] = "must start with http:// (SwOS Lite has no HTTPS) or https://"

    username: str = "admin"
    password: SecretRef | None = None
    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    snmp: SwosSnmp | None = None  # absent: no SNMP (the `.b` pages only, which carry no byte counters)


class SwosFamily(BaseModel):
    """`swos:` in the site file: the switches, with family-wide interval and timeout overrides."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    switches: list[SwosSwitch] = []

    @model_validator(mode="after")
    def _unique_names(self) -> SwosFamily:
        unique_names((s.name for s in self.switches), "switch names")
        return self
