"""Async client of a SwOS / SwOS Lite switch: GET a `.b` endpoint with Digest auth, or raise a typed error."""

from __future__ import annotations

import httpx

from homelake.sources.http import FetchFailure, fetch
from homelake.sources.swos.config import SwosSwitch

OK, UNAUTHORIZED, SEE_OTHER = 200, 401, 303


class SwosError(Exception):
    """A failed request to one switch; the message names the switch and the endpoint, never the password."""

    def __init__(self, switch: str, endpoint: str, detail: str, *, raw: bytes = b"") -> None:
        super().__init__(f"switch {switch} {endpoint}: {detail}")
        self.raw = raw


class SwosAuthError(SwosError):
    """Refused: wrong username or password."""


class SwosUnreachable(SwosError):
    """Timed out or could not connect: worth trying again soon."""


class SwosHTTPError(SwosError):
    """Any other answer than the data (a 5xx, a redirect to the web UI for an endpoint the firmware lacks)."""

    def __init__(self, switch: str, endpoint: str, detail: str, *, status: int) -> None:
        super().__init__(switch, endpoint, detail)
        self.status = status


class SwosClient:
    """One switch. httpx's Digest auth answers a new challenge itself, so a stale nonce costs one round trip."""

    def __init__(
        self,
        switch: SwosSwitch,
        password: str | None,
        *,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.switch = switch
        self._http = httpx.AsyncClient(
            base_url=switch.url,
            auth=httpx.DigestAuth(switch.username, password or ""),
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"SwosClient({self.switch.name!r}, {self.switch.url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, endpoint: str) -> bytes:
        """The raw body of GET `/<endpoint>` (e.g. `poe.b`)."""
        try:
            status, raw = await fetch(self._http, f"/{endpoint}")
        except FetchFailure as failure:
            if failure.kind == "cut":
                raise SwosError(self.switch.name, endpoint, failure.detail, raw=failure.raw) from None
            raise SwosUnreachable(self.switch.name, endpoint, failure.detail) from None
        if status == UNAUTHORIZED:
            raise SwosAuthError(self.switch.name, endpoint, "HTTP 401 (check the switch's username and password)")
        if status != OK:
            hint = " (this firmware has no such page)" if status == SEE_OTHER else ""
            raise SwosHTTPError(self.switch.name, endpoint, f"HTTP {status}{hint}", status=status)
        return raw
