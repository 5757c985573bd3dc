"""A camera as another family's capture: a picture now, on request, kept as media with its snapshots row."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path

from homelake.sources.base import Captured, ParseContext
from homelake.sources.hikvision.client import HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.datasets import HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import snapshot_row
from homelake.sources.hikvision.paths import fetch_picture

log = logging.getLogger(__name__)


class CameraCapture:
    """Pictures of one channel (1: a camera's own; an NVR's first) taken when another family's trigger asks
    (e.g. a motion sensor of a vision zone): stored like every snapshot, its row for `hikvision/snapshots`."""

    def __init__(  # noqa: PLR0913 - the device, its secret, where pictures go and the site's defaults
        self,
        camera: HikvisionCamera,
        password: str | None,
        *,
        media_dir: Path,
        local_tz: tzinfo,
        timeout_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
        channel: int = 1,
    ) -> None:
        self.camera, self.media_dir, self.channel = camera, media_dir, channel
        self.local_tz, self.collector = local_tz, collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.client = HikvisionClient(camera, password, timeout_s=timeout_s)

    async def take(self, trigger: str, *, event_at: datetime | None, burst_index: int) -> Captured | None:
        """A picture now; `event_at` (what triggered it) gives the row its `snapshot_lag_ms`."""
        try:
            jpeg = await fetch_picture(self.client, self.camera, self.channel)
        except HikvisionError as exc:
            log.warning("capture failed camera=%s channel=%d trigger=%s: %s", self.camera.name, self.channel,
                        trigger, exc)  # fmt: skip
            return None
        taken = self.clock()
        ctx = ParseContext("hikvision", self.camera.name, self.collector, taken, taken, self.local_tz)
        event = {"observed_at": event_at, "event_type": None, "target_type": None} if event_at else None
        keep = partial(snapshot_row, taken=taken, channel=self.channel, trigger=trigger, event=event,
                       burst_index=burst_index)  # fmt: skip
        row = await asyncio.to_thread(keep, self.media_dir, ctx, jpeg)
        return Captured(HIKVISION_SNAPSHOTS.key, row, self.media_dir / row["path"], row["sha256"], taken)

    async def aclose(self) -> None:
        await self.client.aclose()
