"""HTTP plumbing shared by the device clients: one GET read to the end, its failures sorted into kinds.

Each client maps a `FetchFailure.kind` to its own typed error (MikrotikTimeout, ShellyBadPayload, ...),
so the collectors and their health rows keep the family's names while the httpx details live here once.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from typing import Literal

import httpx

FailureKind = Literal["timeout", "connect", "tls", "cut", "json"]


@dataclass
class FetchFailure(Exception):
    """What went wrong with one GET, before any family's naming: `raw` keeps the bytes that did arrive."""

    kind: FailureKind
    detail: str
    raw: bytes = b""
    status: int | None = None


def is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc) or "SSL" in str(exc)


async def fetch(http: httpx.AsyncClient, path: str, auth: httpx.Auth | None = None) -> tuple[int, bytes]:
    """GET `path` and read the whole body: (status, body), or a FetchFailure (timeout, connect, tls, cut)."""
    chunks: list[bytes] = []
    try:
        async with http.stream("GET", path, auth=auth or httpx.USE_CLIENT_DEFAULT) as response:
            try:
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                detail = f"body cut off after {sum(map(len, chunks))} bytes ({exc.__class__.__name__})"
                raise FetchFailure("cut", detail, b"".join(chunks), response.status_code) from None
            return response.status_code, b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise FetchFailure("timeout", f"{origin(http, path)} timed out ({exc.__class__.__name__})") from None
    except httpx.TransportError as exc:
        kind: FailureKind = "tls" if is_tls_failure(exc) else "connect"
        raise FetchFailure(kind, f"cannot connect to {origin(http, path)} ({exc.__class__.__name__}: {exc})") from None


def origin(http: httpx.AsyncClient, path: str) -> str:
    """`scheme://host:port` a request goes to, so an unreachable target's error names where it looked."""
    url = http.base_url.join(path) if http.base_url.host else httpx.URL(path)
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


def decode_json(raw: bytes, status: int | None = None) -> object:
    """The decoded body, or a FetchFailure("json") that keeps the bytes for the dead letter."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchFailure("json", f"body is not valid JSON ({len(raw)} bytes: {exc})", raw, status) from None


def error_body(raw: bytes, key: str) -> str:
    """The device's own words from an error body (`{"<key>": "..."}`), as `: <words>`, or ""."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    words = body.get(key) if isinstance(body, dict) else None
    return f": {words[:200]}" if isinstance(words, str) else ""
