"""A Shelly as a poll target: identify it once, then fetch its status and parse it (Gen1 or Gen2+)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from http import HTTPStatus

import httpx

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.shelly.client import (
    ShellyBadPayload,
    ShellyClient,
    ShellyConnectError,
    ShellyError,
    ShellyHTTPError,
    ShellyIdentity,
    ShellyTimeout,
)
from homelake.sources.shelly.gen1.parser import parse_gen1_status
from homelake.sources.shelly.gen2.parser import parse_gen2_status
from homelake.sources.shelly.rows import DEVICE_STATUS, SWITCH_READINGS

# Gen1 models whose `/status` means different things by `/settings` mode.
_MODE_MODELS = frozenset({"SHSW-25", "SHSW-21"})


def utc_now() -> datetime:
    return datetime.now(UTC)


class ShellyTarget:
    """One Shelly at `url`; `name` is its device id (`shellyplug-s-C18B12`, `shellypro4pm-aabbccddeeff`)."""

    source = "shelly"

    def __init__(  # noqa: PLR0913 - keyword-only settings the family hands over
        self,
        name: str,
        url: str,
        *,
        username: str = "admin",
        password: str | None = None,
        local_tz: tzinfo = UTC,
        interval_s: float = 30.0,
        timeout_s: float = 10.0,
        collector: str = "homelake",
        clock: Callable[[], datetime] = utc_now,
        identity: ShellyIdentity | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.local_tz = local_tz
        self.collector = collector
        self.clock = clock
        self.identity = identity  # from discovery, or learnt on the first poll
        self.mode: str | None = None  # Gen1 2.5 / 2: relay or roller, from /settings
        self._client = ShellyClient(
            self.url, username=username, password=password, timeout_s=timeout_s, transport=transport, device=name
        )

    def __repr__(self) -> str:
        return f"ShellyTarget(name={self.name!r}, url={self.url!r})"

    def _ctx(self) -> ParseContext:
        now = self.clock()
        return ParseContext(
            family="shelly",
            device_id=self.name,
            collector=self.collector,
            observed_at=now,
            received_at=now,
            local_tz=self.local_tz,
        )

    async def poll(self) -> PollOutcome:
        """Identify (once), fetch the status and parse it; never raises a ShellyError."""
        outcome = PollOutcome(target=self.name)
        try:
            identity = await self._identify()
            if identity.generation == 1:
                response = await self._client.status()
                self._parse(outcome, response.raw, parse_gen1_status, response.data, model=identity.model,
                            mode=self.mode, firmware=identity.firmware)  # fmt: skip
            else:
                response = await self._client.get_status()
                self._parse(outcome, response.raw, parse_gen2_status, response.data, device_info=identity.info)
        except ShellyBadPayload as exc:
            dataset = DEVICE_STATUS if exc.path in ("/shelly", "/settings") else SWITCH_READINGS
            outcome.dead_letters.append((dataset, str(exc), exc.raw))
            outcome.errors.append(exc)
        except ShellyError as exc:
            if isinstance(exc, ShellyConnectError | ShellyTimeout):
                self.identity = None  # it may come back as another device (reset, replaced) on this address
            outcome.errors.append(exc)
        return outcome

    async def _identify(self) -> ShellyIdentity:
        if self.identity is None:
            identity = await self._client.identify()
            if identity.generation == 1 and identity.model in _MODE_MODELS:
                settings = (await self._client.settings()).data
                mode = settings.get("mode") if isinstance(settings, dict) else None
                self.mode = mode if isinstance(mode, str) else None
            self.identity = identity
        return self.identity

    def _parse(
        self, outcome: PollOutcome, raw: bytes, parse: Callable[..., list[ParseResult]], data: object, **kw: object
    ) -> None:
        try:
            outcome.results.extend(parse(data, self._ctx(), **kw))
        except PayloadError as exc:
            outcome.dead_letters.append((SWITCH_READINGS, str(exc), raw))

    def is_transient(self, exc: Exception) -> bool:
        if isinstance(exc, ShellyHTTPError):
            return (exc.status or 0) >= HTTPStatus.INTERNAL_SERVER_ERROR
        return isinstance(exc, ShellyTimeout | ShellyConnectError)

    async def aclose(self) -> None:
        await self._client.aclose()
