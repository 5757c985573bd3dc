"""A HikVision camera or NVR as a poll target: deviceInfo, status, triggers (channels discovered), storage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.hikvision import parser
from homelake.sources.hikvision.client import HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera

POLLS: tuple[tuple[str, str, Callable[[bytes, ParseContext], ParseResult]], ...] = (
    ("/ISAPI/System/deviceInfo", "hikvision/device_info", parser.parse_device_info),
    ("/ISAPI/System/status", "hikvision/status", parser.parse_status),
    ("/ISAPI/Event/triggers", "hikvision/triggers", parser.parse_triggers),
    ("/ISAPI/ContentMgmt/Storage", "hikvision/storage", parser.parse_storage),
)


class HikvisionTarget:
    source = "hikvision"

    def __init__(  # noqa: PLR0913 - the device, its secret and the site's defaults
        self,
        camera: HikvisionCamera,
        password: str | None,
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.camera, self.name = camera, camera.name
        self.interval_s, self.timeout_s = interval_s, timeout_s
        self.local_tz, self.collector = local_tz, collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.client = HikvisionClient(camera, password, timeout_s=timeout_s)
        self.channels: list[int] = [1]  # learned from the triggers at each poll

    def ctx(self) -> ParseContext:
        now = self.clock()
        return ParseContext("hikvision", self.name, self.collector, now, now, self.local_tz)

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(self.name)
        for path, dataset, parse in POLLS:
            try:
                raw = await self.client.get(path)
            except HikvisionError as exc:
                outcome.errors.append(exc)
                if exc.kind == "auth":
                    break  # the same password will not work for the next path either
                continue
            try:
                outcome.results.append(parse(raw, self.ctx()))
                if path.endswith("triggers"):
                    self.channels = parser.channels_of(raw)
            except PayloadError as exc:
                outcome.dead_letters.append((dataset, str(exc), raw))
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, HikvisionError) and exc.transient

    async def aclose(self) -> None:
        await self.client.aclose()
