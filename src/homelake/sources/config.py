"""What the families' site-file sections share: the checks and fields every device list repeats."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def unique_names(names: Iterable[str], what: str) -> None:
    """ValueError naming the names given more than once; `what` names them (e.g. "node names")."""
    names = list(names)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{what} must be unique; repeated: {', '.join(dupes)}")


class DeviceConfig(BaseModel):
    """One device of a family's list: its name and the URL it is reached at, checked alike in every family.

    A family says in its own words what a bad URL is (`url_error`); where plain http:// would send a login in
    clear it says so too (`http_error`), and such a URL then needs the family's own `allow_http: true`."""

    model_config = ConfigDict(extra="forbid")

    url_error: ClassVar[str] = "must start with http:// or https://"
    strip_slash: ClassVar[bool] = True  # the URL is a base the client adds paths to: a trailing slash is dropped
    http_error: ClassVar[str | None] = None  # None: plain http:// is fine (no `allow_http` opt-in)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if cls.strip_slash:
            value = value.rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(cls.url_error)
        return value

    @model_validator(mode="after")
    def _http_needs_opt_in(self) -> Self:
        if self.http_error is not None and self.url.startswith("http://") and not getattr(self, "allow_http", False):
            raise ValueError(self.http_error)
        return self
