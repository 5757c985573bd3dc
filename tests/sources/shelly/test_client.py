"""The Shelly HTTP client against the simulated fleet on loopback: identification, Basic and Digest auth,
and every failure as a typed error that names device and path but never the password."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest

from homelake.sim.model.site import build_site
from homelake.sources.shelly.client import (
    ShellyAuthError,
    ShellyBadPayload,
    ShellyClient,
    ShellyConnectError,
    ShellyError,
    ShellyHTTPError,
    ShellyIdentity,
    ShellyTimeout,
)
from homelake.sources.shelly.simulator.fleet import ShellyFleet

T = TypeVar("T")
SITE = build_site(7)
NOW = SITE.start + timedelta(days=1, hours=3)  # every mains-powered device is up at this instant
PASSWORDS = {"shelly-pro4pm-utility": "Gen2-s3cret!", "shelly-plugs-kitchen": "Gen1-s3cret!"}
PRO4PM, PLUG_S, PLUS1PM = "shellypro4pm-a8032ac2018f", "shellyplug-s-8252C1", "shellyplus1pm-fcb467394201"


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(make())


@pytest.fixture(scope="module")
def fleet() -> Iterator[ShellyFleet]:
    with ShellyFleet(SITE, clock=lambda: NOW, port=0, passwords=PASSWORDS) as running:
        yield running


def url(fleet: ShellyFleet, device_id: str) -> str:
    return fleet.servers[device_id].url


async def fetch(base: str, call: str, password: str | None = None, timeout_s: float = 2.0) -> Any:
    async with ShellyClient(base, username="admin", password=password, timeout_s=timeout_s, device="dev") as client:
        return await getattr(client, call)()


def failure(base: str, call: str, password: str | None = None, timeout_s: float = 2.0) -> ShellyError:
    with pytest.raises(ShellyError) as info:
        run(lambda: fetch(base, call, password, timeout_s))
    return info.value


@pytest.mark.integration
def test_identify_tells_gen1_from_gen2_without_auth(fleet: ShellyFleet) -> None:
    gen2 = run(lambda: fetch(url(fleet, PRO4PM), "identify"))
    assert (gen2.generation, gen2.model, gen2.device_id, gen2.firmware) == (2, "SPSW-004PE16EU", PRO4PM, "1.4.4")
    gen1 = run(lambda: fetch(url(fleet, PLUG_S), "identify"))
    assert (gen1.generation, gen1.model, gen1.device_id) == (1, "SHPLG-S", None)
    assert gen1.info["auth"] is True and gen1.firmware and gen1.firmware.startswith("2023")


@pytest.mark.integration
def test_gen2_digest_sha256_with_the_right_password(fleet: ShellyFleet) -> None:
    status = run(lambda: fetch(url(fleet, PRO4PM), "get_status", PASSWORDS["shelly-pro4pm-utility"]))
    assert set(status.data) >= {"switch:0", "switch:3", "sys", "wifi"}
    info = run(lambda: fetch(url(fleet, PRO4PM), "device_info"))  # unprotected
    assert info.data["id"] == PRO4PM and info.data["auth_en"] is True


@pytest.mark.integration
@pytest.mark.parametrize("password", [None, "wrong-password"])
def test_gen2_wrong_or_missing_password_is_an_auth_error_without_the_secret(
    fleet: ShellyFleet, password: str | None
) -> None:
    error = failure(url(fleet, PRO4PM), "get_status", password)
    assert isinstance(error, ShellyAuthError) and error.status == 401
    assert str(error).startswith(f"shelly dev: GET {url(fleet, PRO4PM)}/rpc/Shelly.GetStatus: HTTP 401")
    assert "wrong-password" not in str(error) and PASSWORDS["shelly-pro4pm-utility"] not in str(error)


@pytest.mark.integration
def test_gen1_basic_auth_status_and_settings(fleet: ShellyFleet) -> None:
    secret = PASSWORDS["shelly-plugs-kitchen"]
    status = run(lambda: fetch(url(fleet, PLUG_S), "status", secret))
    assert status.data["meters"][0]["total"] > 0 and status.raw.startswith(b"{")
    settings = run(lambda: fetch(url(fleet, PLUG_S), "settings", secret))
    assert settings.data["device"]["hostname"] == PLUG_S
    error = failure(url(fleet, PLUG_S), "status", "not-it")
    assert (
        isinstance(error, ShellyAuthError)
        and "not-it" not in str(error)
        and str(error).endswith("/status: HTTP 401 (wrong password)")
    )


@pytest.mark.integration
def test_unprotected_gen2_needs_no_password(fleet: ShellyFleet) -> None:
    status = run(lambda: fetch(url(fleet, PLUS1PM), "get_status"))
    assert status.data["switch:0"]["id"] == 0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("timeout", ShellyTimeout),
        ("server_error", ShellyHTTPError),
        ("malformed_json", ShellyBadPayload),
        ("truncated", ShellyBadPayload),
    ],
)
def test_faults_become_typed_errors(fleet: ShellyFleet, fault: str, error_type: type[ShellyError]) -> None:
    server = fleet.servers[PLUS1PM]
    server.faults.inject(fault, 1, "/rpc/Shelly.GetStatus")
    try:
        error = failure(server.url, "get_status", timeout_s=0.5)
    finally:
        server.faults.clear()
    assert type(error) is error_type and error.path == "/rpc/Shelly.GetStatus"
    if isinstance(error, ShellyBadPayload):
        assert error.raw  # kept for the dead letter
    if isinstance(error, ShellyHTTPError):
        assert error.status == 500


@pytest.mark.integration
def test_nobody_listening_is_a_connect_error() -> None:
    error = failure("http://127.88.0.250:9", "identify", timeout_s=1.0)
    assert isinstance(error, ShellyConnectError) and "127.88.0.250" in str(error)


def test_identity_decides_the_generation_by_the_gen_key() -> None:
    assert ShellyIdentity.from_payload({"type": "SHSW-1", "mac": "AABBCCDDEEFF"}).generation == 1
    assert ShellyIdentity.from_payload({"id": "shellyhtg3-84fce63ad204", "gen": 3}).generation == 3
    with pytest.raises(ValueError, match="not a Shelly"):
        ShellyIdentity.from_payload({"hello": "world"})


def test_a_non_shelly_answer_to_identify_is_a_bad_payload() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"server": "nginx"}))

    async def go() -> ShellyIdentity:
        async with ShellyClient("http://10.0.0.9", transport=transport) as client:
            return await client.identify()

    with pytest.raises(ShellyBadPayload, match=r"shelly 10\.0\.0\.9: GET http://10\.0\.0\.9/shelly: not a Shelly"):
        run(go)


def test_gen2_error_body_message_is_kept() -> None:
    body = {"code": 404, "message": "No handler for Shelly.GetStatus"}
    transport = httpx.MockTransport(lambda request: httpx.Response(404, json=body))

    async def go() -> object:
        async with ShellyClient("http://10.0.0.9", transport=transport, device="d") as client:
            return await client.get_status()

    with pytest.raises(ShellyHTTPError, match="HTTP 404: No handler for Shelly.GetStatus"):
        run(go)
