"""The `dashboard:` section of the site file: where to listen and which credential guards it."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.secrets import SecretRef


class DashboardConfigError(ValueError):
    """The dashboard must not start as configured; the message is one line saying what to change."""


class DashboardAuth(BaseModel):
    """A bearer token, or HTTP basic auth (username + password), or both; secrets by reference only."""

    model_config = ConfigDict(extra="forbid")

    token: SecretRef | None = None
    username: str | None = None
    password: SecretRef | None = None

    @model_validator(mode="after")
    def _pair(self) -> DashboardAuth:
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both 'username' and 'password' (a secret reference)")
        return self

    @property
    def configured(self) -> bool:
        return self.token is not None or self.username is not None


class DashboardConfig(BaseModel):
    """Listen address and optional credential; loopback without a credential is the safe default."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    auth: DashboardAuth = DashboardAuth()

    def check_exposure(self) -> None:
        """Refuse a non-loopback address without a credential: the dashboard shows the whole home."""
        if not is_loopback(self.host) and not self.auth.configured:
            raise DashboardConfigError(
                f"refusing to serve the dashboard on {self.host} without a credential: set dashboard.auth.token "
                "or dashboard.auth.username + password in the site file, or bind to 127.0.0.1"
            )


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything
