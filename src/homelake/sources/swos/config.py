"""Configuration of the SwOS / SwOS Lite switches polled over their web UI's `.b` endpoints (HTTP Digest)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homelake.secrets import SecretRef


class SwosSwitch(BaseModel):
    """One switch. `url` is its web UI, e.g. `http://192.168.88.5` (SwOS Lite speaks plain HTTP only)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    url: str
    username: str = "admin"
    password: SecretRef | None = None
    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// (SwOS Lite has no HTTPS) or https://")
        return value


class SwosFamily(BaseModel):
    """`swos:` in the site file: the switches, with family-wide interval and timeout overrides."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    switches: list[SwosSwitch] = []

    @model_validator(mode="after")
    def _unique_names(self) -> SwosFamily:
        names = [s.name for s in self.switches]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"switch names must be unique; repeated: {', '.join(dupes)}")
        return self
