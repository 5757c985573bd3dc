"""MikrotikClient against httpx.MockTransport: success, each typed error, and no secret in messages."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from homelake.sources.mikrotik import client as client_module
from homelake.sources.mikrotik.client import MikrotikClient, RestResponse
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

PASSWORD = "s3cr3t-Pa55"
ROUTER = MikrotikRouter(name="fw-core", url="https://192.168.88.1", username="homelake")
Handler = Callable[[httpx.Request], httpx.Response]


def _get(handler: Handler, path: str = "/interface", router: MikrotikRouter = ROUTER) -> RestResponse:
    async def run() -> RestResponse:
        async with MikrotikClient(router, PASSWORD, transport=httpx.MockTransport(handler)) as client:
            return await client.get(path)

    return asyncio.run(run())


def _error(handler: Handler, path: str = "/interface") -> MikrotikError:
    with pytest.raises(MikrotikError) as info:
        _get(handler, path)
    message = str(info.value)
    assert PASSWORD not in message and base64.b64encode(f"homelake:{PASSWORD}".encode()).decode() not in message
    assert message.startswith(f"mikrotik fw-core: GET /rest{path}: ")
    return info.value


def _json(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def test_200_returns_raw_and_decoded(fixture_bytes: Callable[[str], bytes]) -> None:
    body = fixture_bytes("rb4011_7.16.2_interfaces.json")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    response = _get(handler)
    assert (response.path, response.raw) == ("/interface", body)
    assert response.data[0]["name"] == "ether1-wan"
    assert str(seen[0].url) == "https://192.168.88.1/rest/interface"
    expected = "Basic " + base64.b64encode(f"homelake:{PASSWORD}".encode()).decode()
    assert seen[0].headers["Authorization"] == expected


def test_empty_password_is_sent_as_empty() -> None:
    seen: list[httpx.Request] = []

    async def run() -> None:
        transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200, json={}))
        async with MikrotikClient(ROUTER, None, transport=transport) as client:
            await client.get("/system/identity")

    asyncio.run(run())
    assert seen[0].headers["Authorization"] == "Basic " + base64.b64encode(b"homelake:").decode()


@pytest.mark.parametrize("status", [401, 403])
def test_auth_error(status: int) -> None:
    exc = _error(_json(status, {"error": status, "message": "Unauthorized"}))
    assert isinstance(exc, MikrotikAuthError) and exc.status == status


def test_400_no_such_command_is_not_available() -> None:
    body = {"detail": "no such command or directory (wifi)", "error": 400, "message": "Bad Request"}
    exc = _error(_json(400, body), "/interface/wifi/registration-table")
    assert isinstance(exc, MikrotikNotAvailable)
    assert "no such command or directory (wifi)" in str(exc)


@pytest.mark.parametrize("status", [500, 404, 503])
def test_other_status_is_http_error(status: int) -> None:
    exc = _error(lambda request: httpx.Response(status, text="<html>oops</html>"))
    assert type(exc) is MikrotikHTTPError and exc.status == status and f"HTTP {status}" in str(exc)


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'[{".id":"*1","name":"ether1"', b"", b"\xff\xfe"])
def test_malformed_or_truncated_json_is_bad_payload(body: bytes) -> None:
    exc = _error(lambda request: httpx.Response(200, content=body))
    assert isinstance(exc, MikrotikBadPayload) and exc.raw == body


def test_connection_dropped_mid_body_keeps_partial_bytes() -> None:
    class CutStream(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            yield b'[{".id":"*1",'
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    exc = _error(lambda request: httpx.Response(200, stream=CutStream()))
    assert isinstance(exc, MikrotikBadPayload) and exc.raw == b'[{".id":"*1",'


def _raising(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


@pytest.mark.parametrize("error", [httpx.ReadTimeout("read timed out"), httpx.ConnectTimeout("connect timed out")])
def test_timeout(error: Exception) -> None:
    assert isinstance(_error(_raising(error)), MikrotikTimeout)


def test_connect_error() -> None:
    exc = _error(_raising(httpx.ConnectError("[Errno 111] Connection refused")))
    assert type(exc) is MikrotikConnectError


def test_tls_error() -> None:
    error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
    assert isinstance(_error(_raising(error)), MikrotikTLSError)


def test_password_echoed_by_a_transport_error_is_scrubbed() -> None:
    exc = _error(_raising(httpx.ConnectError(f"refused for https://homelake:{PASSWORD}@192.168.88.1")))
    assert "***" in str(exc)


def test_unreadable_ca_bundle_is_tls_error(tmp_path: Path) -> None:
    router = ROUTER.model_copy(update={"verify_tls": tmp_path / "missing-ca.pem"})
    with pytest.raises(MikrotikTLSError, match="cannot load CA bundle"):
        MikrotikClient(router, PASSWORD)


def test_verification_off_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    router = ROUTER.model_copy(update={"name": "ap-attic", "verify_tls": False})
    client_module._warned_unverified.discard("ap-attic")
    with caplog.at_level(logging.WARNING, logger=client_module.__name__):
        for _ in range(2):
            _get(_json(200, []), router=router)
    warnings = [r for r in caplog.records if "verification is off" in r.getMessage()]
    assert len(warnings) == 1 and "ap-attic" in warnings[0].getMessage()
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


def test_repr_has_no_password() -> None:
    async def run() -> str:
        async with MikrotikClient(ROUTER, PASSWORD, transport=httpx.MockTransport(_json(200, []))) as client:
            return repr(client)

    assert PASSWORD not in asyncio.run(run())
