"""Async ISAPI client: Digest (MD5) or Basic auth, TLS with a CA or an explicit opt-out, typed errors."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import httpx

from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.http import FetchFailure, fetch

log = logging.getLogger(__name__)
_warned_unverified: set[str] = set()
HTTP_UNAUTHORIZED = 401
HTTP_SERVER_ERROR = 500


class HikvisionError(Exception):
    """One failed ISAPI request; `kind` is auth | http | timeout | connect | tls | cut. Never holds credentials."""

    def __init__(self, camera: str, path: str, kind: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{camera} {path}: {detail}")
        self.camera, self.path, self.kind, self.status = camera, path, kind, status

    @property
    def transient(self) -> bool:
        if self.kind == "http":
            return (self.status or 0) >= HTTP_SERVER_ERROR
        return self.kind in ("timeout", "connect", "cut")


def tls_verify(camera: HikvisionCamera) -> ssl.SSLContext | bool:
    """System CAs, a given CA bundle, or (explicit opt-out) no verification."""
    if camera.verify_tls is False:
        if camera.name not in _warned_unverified:
            _warned_unverified.add(camera.name)
            log.warning("TLS certificate verification is off camera=%s", camera.name)
        return False
    if isinstance(camera.verify_tls, Path):
        try:
            return ssl.create_default_context(cafile=str(camera.verify_tls))
        except (OSError, ssl.SSLError) as exc:
            raise HikvisionError(camera.name, "", "tls", f"cannot load CA bundle: {type(exc).__name__}") from None
    return ssl.create_default_context()


def auth_of(camera: HikvisionCamera, password: str | None) -> httpx.Auth | None:
    if password is None:
        return None
    if camera.allow_basic:
        return httpx.BasicAuth(camera.username, password)
    return httpx.DigestAuth(camera.username, password)


class HikvisionClient:
    """One device's ISAPI endpoint; `get(path)` returns the body bytes of a 200 or raises HikvisionError."""

    def __init__(self, camera: HikvisionCamera, password: str | None, *, timeout_s: float) -> None:
        self.camera = camera
        self.auth = auth_of(camera, password)
        self.http = httpx.AsyncClient(base_url=camera.url, verify=tls_verify(camera), timeout=timeout_s, auth=self.auth)

    async def get(self, path: str) -> bytes:
        try:
            status, body = await fetch(self.http, path)
        except FetchFailure as exc:
            raise HikvisionError(self.camera.name, path, exc.kind, exc.detail, exc.status) from None
        if status == HTTP_UNAUTHORIZED:
            raise HikvisionError(self.camera.name, path, "auth", "401 Unauthorized: check the username and password")
        if status != httpx.codes.OK:
            raise HikvisionError(self.camera.name, path, "http", f"HTTP {status}", status)
        return body

    async def aclose(self) -> None:
        await self.http.aclose()
