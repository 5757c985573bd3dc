"""Async Shelly HTTP client: `/shelly`, Gen1 `/status` and `/settings`, Gen2 RPC, each a typed error on failure."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from homelake.sources.http import FetchFailure, decode_json, error_body, fetch
from homelake.sources.shelly import ids


class ShellyError(Exception):
    """Base of every Shelly client error: `shelly <device>: GET <url><path>: <what happened>`; never a secret."""

    def __init__(self, device: str, path: str, detail: str, *, status: int | None = None, url: str = "") -> None:
        self.device, self.path, self.detail, self.status, self.url = device, path, detail, status, url
        super().__init__(f"shelly {device}: GET {url}{path}: {detail}")


class ShellyAuthError(ShellyError):
    """401/403: the device is password protected and no password or a wrong one was given."""


class ShellyHTTPError(ShellyError):
    """Any other non-2xx answer; `status` keeps the HTTP status code."""


class ShellyTimeout(ShellyError):
    """Connecting, sending or reading took longer than the client's timeout."""


class ShellyConnectError(ShellyError):
    """The device could not be reached or dropped the connection without an answer."""


class ShellyBadPayload(ShellyError):
    """The body is not valid JSON (or was cut off); `raw` keeps the bytes for the dead letter."""

    def __init__(  # noqa: PLR0913 - the error's context, keyword-only
        self, device: str, path: str, detail: str, *, raw: bytes, status: int | None = None, url: str = ""
    ) -> None:
        super().__init__(device, path, detail, status=status, url=url)
        self.raw = raw


@dataclass(frozen=True)
class ShellyResponse:
    """One successful GET: the path asked, the body as received and as decoded JSON."""

    path: str
    raw: bytes
    data: Any


@dataclass(frozen=True)
class ShellyIdentity:
    """What `GET /shelly` says: the generation (1, or 2+ when the answer has `gen`) and the whole answer."""

    generation: int
    info: dict[str, Any]

    @property
    def model(self) -> str | None:
        value = self.info.get("type" if self.generation == 1 else "model")
        return value if isinstance(value, str) else None

    @property
    def firmware(self) -> str | None:
        value = self.info.get("fw" if self.generation == 1 else "ver")
        return value if isinstance(value, str) else None

    @property
    def device_id(self) -> str | None:
        """Gen2+ only: `id` (`shellyplus1pm-4417939a5610`); Gen1 `/shelly` does not carry its id."""
        value = self.info.get("id")
        return value if isinstance(value, str) and value else None

    @classmethod
    def from_payload(cls, data: object) -> ShellyIdentity:
        if not isinstance(data, dict) or not ("gen" in data or "type" in data):
            raise ValueError("not a Shelly /shelly answer (neither `gen` nor `type`)")
        gen = data.get("gen")
        return cls(gen if isinstance(gen, int) and gen >= ids.FIRST_RPC_GEN else 2 if "gen" in data else 1, data)


class ShellyClient:
    """One device's local HTTP API. Basic auth for Gen1 paths and SHA-256 Digest for Gen2 RPC, when a
    password is set. Use as `async with ShellyClient(...) as client:`."""

    def __init__(  # noqa: PLR0913 - the device's settings and an injectable HTTP client
        self,
        url: str,
        *,
        username: str = "admin",
        password: str | None = None,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        device: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.device = device or str(urlsplit(self.url).hostname)
        self._secret = password or ""
        self._basic = httpx.BasicAuth(username, self._secret) if password else None
        # One DigestAuth per client keeps the last challenge, so later requests skip the 401 round trip.
        self._digest = httpx.DigestAuth(username, self._secret) if password else None
        self._http = httpx.AsyncClient(
            base_url=self.url, timeout=timeout_s, transport=transport, headers={"Accept": "application/json"}
        )

    def __repr__(self) -> str:
        return f"ShellyClient(device={self.device!r}, url={self.url!r})"

    async def __aenter__(self) -> ShellyClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def identify(self) -> ShellyIdentity:
        """`GET /shelly` (never behind auth on any generation)."""
        response = await self.get("/shelly")
        try:
            return ShellyIdentity.from_payload(response.data)
        except ValueError as exc:
            raise self._error(ShellyBadPayload, "/shelly", str(exc), raw=response.raw) from None

    async def status(self) -> ShellyResponse:
        """Gen1 `GET /status`."""
        return await self.get("/status", self._basic)

    async def settings(self) -> ShellyResponse:
        """Gen1 `GET /settings` (the 2.5's `mode`: relay or roller)."""
        return await self.get("/settings", self._basic)

    async def get_status(self) -> ShellyResponse:
        """Gen2+ `GET /rpc/Shelly.GetStatus`."""
        return await self.get("/rpc/Shelly.GetStatus", self._digest)

    async def device_info(self) -> ShellyResponse:
        """Gen2+ `GET /rpc/Shelly.GetDeviceInfo` (unprotected, like `/shelly`)."""
        return await self.get("/rpc/Shelly.GetDeviceInfo")

    def _error(self, cls: type[ShellyError], path: str, detail: str, **extra: Any) -> ShellyError:  # noqa: ANN401 - forwarded to cls, which types them
        if self._secret:
            detail = detail.replace(self._secret, "***")
        return cls(self.device, path, detail, url=self.url, **extra)

    async def get(self, path: str, auth: httpx.Auth | None = None) -> ShellyResponse:
        """GET `path`; raises a ShellyError subclass on any failure."""
        try:
            status, raw = await fetch(self._http, path, auth)
            if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                hint = "wrong password" if auth is not None else "password protected; set its password"
                raise self._error(ShellyAuthError, path, f"HTTP {status} ({hint})", status=status)
            if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                raise self._error(ShellyHTTPError, path, f"HTTP {status}{error_body(raw, 'message')}", status=status)
            return ShellyResponse(path=path, raw=raw, data=decode_json(raw, status))
        except FetchFailure as failure:
            if failure.kind in ("cut", "json"):
                raise self._error(
                    ShellyBadPayload, path, failure.detail, raw=failure.raw, status=failure.status
                ) from None
            cls = ShellyTimeout if failure.kind == "timeout" else ShellyConnectError
            raise self._error(cls, path, failure.detail) from None
