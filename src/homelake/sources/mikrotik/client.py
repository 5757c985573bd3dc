"""Async RouterOS v7 REST client: GET a menu, return raw bytes + decoded JSON, or raise a typed error."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from homelake.sources.http import FetchFailure, decode_json, error_body, fetch
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.errors import (
    MikrotikAuthError,
    MikrotikBadPayload,
    MikrotikConnectError,
    MikrotikError,
    MikrotikHTTPError,
    MikrotikNotAvailable,
    MikrotikTimeout,
    MikrotikTLSError,
)

log = logging.getLogger(__name__)
_warned_unverified: set[str] = set()  # routers already warned about, so the warning is logged once


@dataclass(frozen=True)
class RestResponse:
    """One successful GET: the path asked, the body as received and as decoded JSON."""

    path: str
    raw: bytes
    data: Any


def _tls_context(router: MikrotikRouter) -> ssl.SSLContext | bool:
    """System CAs, a given CA bundle, or (explicit opt-out) no verification."""
    if router.verify_tls is False:
        if router.name not in _warned_unverified:
            _warned_unverified.add(router.name)
            log.warning("TLS certificate verification is off router=%s", router.name)
        return False
    if isinstance(router.verify_tls, Path):
        try:
            return ssl.create_default_context(cafile=str(router.verify_tls))
        except (OSError, ssl.SSLError) as exc:
            detail = f"cannot load CA bundle {router.verify_tls}: {exc.__class__.__name__}"
            raise MikrotikTLSError(router.name, "", detail) from None
    return ssl.create_default_context()


class MikrotikClient:
    """One router's REST endpoint. Use as `async with MikrotikClient(...) as client:`."""

    def __init__(
        self,
        router: MikrotikRouter,
        password: str | None,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.router = router
        self._secret = password or ""
        self._http = httpx.AsyncClient(
            base_url=router.url + "/rest",
            auth=httpx.BasicAuth(router.username, self._secret),
            verify=_tls_context(router),
            timeout=timeout_s,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"MikrotikClient(router={self.router.name!r}, url={self.router.url!r})"

    async def __aenter__(self) -> MikrotikClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _error(self, cls: type[MikrotikError], path: str, detail: str, **extra: Any) -> MikrotikError:  # noqa: ANN401 - forwarded to cls, which types them
        if self._secret:
            detail = detail.replace(self._secret, "***")
        return cls(self.router.name, path, detail, **extra)

    async def get(self, path: str) -> RestResponse:
        """GET `/rest<path>` (e.g. `/interface`); raises a MikrotikError subclass on any failure."""
        try:
            status, raw = await fetch(self._http, path)
            if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                raise self._status_error(path, status, raw)
            return RestResponse(path=path, raw=raw, data=decode_json(raw, status))
        except FetchFailure as failure:
            bad_payload = failure.kind in ("cut", "json")
            extra: dict[str, Any] = {"raw": failure.raw, "status": failure.status} if bad_payload else {}
            raise self._error(_KINDS[failure.kind], path, failure.detail, **extra) from None

    def _status_error(self, path: str, status: int, raw: bytes) -> MikrotikError:
        # RouterOS's own words, e.g. "no such command or directory (x)"
        detail = f"HTTP {status}{error_body(raw, 'detail')}"
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            return self._error(
                MikrotikAuthError,
                path,
                f"{detail} (check username/password and the user's policies)",
                status=status,
            )
        if status == HTTPStatus.BAD_REQUEST:
            return self._error(MikrotikNotAvailable, path, detail, status=status)
        return self._error(MikrotikHTTPError, path, detail, status=status)


_KINDS: dict[str, type[MikrotikError]] = {
    "timeout": MikrotikTimeout,
    "connect": MikrotikConnectError,
    "tls": MikrotikTLSError,
    "cut": MikrotikBadPayload,
    "json": MikrotikBadPayload,
}
