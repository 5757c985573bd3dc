"""A MikroTik router as a poll target: owns its REST client and wifi-menu memory between polls."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from http import HTTPStatus

from homelake.sources.base import ParseContext, PollOutcome
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.collector import poll_router
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.errors import (
    MikrotikConnectError,
    MikrotikHTTPError,
    MikrotikTimeout,
    MikrotikTLSError,
)


class MikrotikTarget:
    source = "mikrotik"

    def __init__(  # noqa: PLR0913 - keyword-only settings the family hands over
        self,
        router: MikrotikRouter,
        password: str | None,
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        collector: str = "homelake",
    ) -> None:
        self.router = router
        self.name = router.name
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.local_tz = local_tz
        self.collector = collector
        self._client = MikrotikClient(router, password, timeout_s=timeout_s)
        self._wifi_menu: dict[str, str | None] = {}

    def _ctx(self) -> ParseContext:
        now = datetime.now(UTC)
        return ParseContext(
            family="mikrotik",
            device_id=self.name,
            collector=self.collector,
            observed_at=now,
            received_at=now,
            local_tz=self.local_tz,
        )

    async def poll(self) -> PollOutcome:
        return await poll_router(self._client, self._ctx, self._wifi_menu)

    def is_transient(self, exc: Exception) -> bool:
        if isinstance(exc, MikrotikHTTPError):
            return (exc.status or 0) >= HTTPStatus.INTERNAL_SERVER_ERROR
        if isinstance(exc, MikrotikTLSError):
            return False  # a certificate mismatch does not fix itself in a second
        return isinstance(exc, MikrotikTimeout | MikrotikConnectError)

    async def aclose(self) -> None:
        await self._client.aclose()
