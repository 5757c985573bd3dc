"""A HikVision camera or NVR as a poll target: deviceInfo, status, triggers (channels discovered), storage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.hikvision import parser
from homelake.sources.hikvision.client import HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.datasets import HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import snapshot_row
from homelake.sources.hikvision.paths import fetch_picture

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
        media_dir: Path | None = None,
        snapshot_every_s: float | None = None,
    ) -> None:
        self.media_dir, self.snapshot_every_s = media_dir, snapshot_every_s
        self.last_slot: int | None = None  # the schedule's slot of the latest scheduled pictures
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
        if not outcome.errors:
            await self._scheduled(outcome)
        return outcome

    async def _scheduled(self, outcome: PollOutcome) -> None:
        """Once per `snapshot_every_s` slot (the first poll in it), a picture of every channel."""
        if self.media_dir is None or self.snapshot_every_s is None:
            return
        now = self.clock()
        slot = int(now.timestamp() // self.snapshot_every_s)
        if slot == self.last_slot:
            return
        self.last_slot = slot
        rows = []
        for channel in self.channels:
            try:
                jpeg = await fetch_picture(self.client, self.camera, channel)
            except HikvisionError as exc:
                outcome.errors.append(exc)
                continue
            keep = partial(snapshot_row, taken=self.clock(), channel=channel, trigger="scheduled")
            rows.append(await asyncio.to_thread(keep, self.media_dir, self.ctx(), jpeg))
        if rows:
            outcome.results.append(ParseResult(HIKVISION_SNAPSHOTS.key, rows=rows))

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, HikvisionError) and exc.transient

    async def aclose(self) -> None:
        await self.client.aclose()
