"""The vision worker as a poll target: each poll queues new episode-start snapshots of opted-in cameras,
sends what is due, and hands the outbox's pending lake rows to the poller (confirmed once they are durable)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from homelake.sources.base import Capture, Captured, ParseResult, PollOutcome
from homelake.sources.vision.config import MotionZone, VisionFamily
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.providers.base import Provider, ProviderError, TransientError
from homelake.sources.vision.trigger import MotionFeed, MotionStart, SnapshotFeed, wanted
from homelake.sources.vision.worker import Worker

log = logging.getLogger(__name__)
TIME_COLUMNS = ("observed_at", "received_at", "taken_at", "event_at")
MOTION_SENSOR = "motion_sensor"  # the trigger of a zone's burst in the camera family's snapshots rows
LATE_S = 180.0  # how long after a motion's window its pictures may still land in the lake (writers flush late)


def withheld_reason(config: VisionFamily, camera: str, taken_at: datetime, local_tz: tzinfo) -> str | None:
    """Why a snapshot must never be sent (privacy switches), or None when it may be."""
    if not config.enabled:
        return "vision is off"
    cam = config.camera(camera)
    if cam is None or config.provider_for(camera) is None:
        return "camera not opted in"
    if cam.quiet_hours is not None:
        start, end = cam.quiet_hours
        hour = taken_at.astimezone(local_tz).hour
        if (start <= hour < end) if start <= end else (hour >= start or hour < end):
            return "quiet hours"
    if config.not_while_home_file is not None and config.not_while_home_file.exists():
        return "someone is home"
    return None


def submit(  # noqa: PLR0913 - the image and the rules it is judged by
    outbox: Outbox,
    config: VisionFamily,
    *,
    path: Path,
    camera: str,
    taken_at: datetime,
    now: datetime,
    local_tz: tzinfo,
) -> bool:
    """Queue one snapshot (once per sha256), unless a privacy switch withholds it; True when newly queued."""
    reason = withheld_reason(config, camera, taken_at, local_tz)
    if reason in ("vision is off", "camera not opted in"):
        return False  # never even recorded: nothing about these cameras leaves their folder
    provider = config.provider_for(camera)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return (
        outbox.enqueue(
            sha,
            camera=camera,
            path=str(path.resolve()),
            taken_at=taken_at,
            provider=provider.name if provider else "?",
            now=now,
            withheld=reason,
        )
        and reason is None
    )


def as_results(pending: list[tuple[int, str, dict[str, Any]]]) -> list[ParseResult]:
    """The outbox's pending rows as parse results for the lake writer (times back to datetimes)."""
    by_dataset: dict[str, ParseResult] = {}
    for _, dataset, row in pending:
        for column in TIME_COLUMNS:
            if isinstance(row.get(column), str):
                row[column] = datetime.fromisoformat(row[column])
        by_dataset.setdefault(dataset, ParseResult(dataset)).rows.append(row)
    return list(by_dataset.values())


class VisionTarget:
    source = "vision"

    def __init__(  # noqa: PLR0913 - the family config, its providers and the site's defaults
        self,
        config: VisionFamily,
        providers: dict[str, Provider],
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
        lake_root: Path | None = None,
        capture: Callable[[str], Capture | None] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.name = "outbox"
        self.capture, self.sleep = capture, sleep or asyncio.sleep  # a camera by name; between a burst's pictures
        self.cameras: dict[str, Capture | None] = {}  # asked once per camera, closed with the target
        self.bursts: list[tuple[str, MotionStart]] = []  # (zone, motion start) still to capture
        self.feed = SnapshotFeed(lake_root) if lake_root is not None else None
        sensors = {sensor for zone in config.motion_zones.values() for sensor in zone.sensors}
        self.motion = MotionFeed(lake_root, sensors) if lake_root is not None and sensors else None
        self.motions: dict[tuple[str, MotionStart], dict[str, set[str]]] = {}  # (zone, start) -> camera -> shas
        self.config, self.local_tz = config, local_tz
        self.interval_s, self.timeout_s = interval_s, max(timeout_s, 3600.0)  # a poll may drain a backlog
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outbox = Outbox(config.outbox)
        self.worker = Worker(config, providers, self.outbox, local_tz=local_tz, collector=collector, clock=self.clock)
        self.providers = providers
        self.started_at = self.clock()

    def scan(self) -> int:
        """Queue the new episode-start snapshots of opted-in cameras and classes (rows of today's and yesterday's
        snapshots in the lake, taken since this worker started: older ones are history, not triggers)."""
        if self.config.media_dir is None or self.feed is None:
            return 0
        now, queued = self.clock(), 0
        days = [(now - timedelta(days=d)).date().isoformat() for d in (1, 0)]
        for snap in self.feed.new(days):
            cam = self.config.camera(snap.camera)
            if cam is None or not wanted(cam.classes, snap.target_type):
                continue
            if snap.taken_at >= self.started_at - timedelta(minutes=10):
                queued += submit(
                    self.outbox,
                    self.config,
                    path=self.config.media_dir / snap.path,
                    camera=snap.camera,
                    taken_at=snap.taken_at,
                    now=now,
                    local_tz=self.local_tz,
                )
        return queued + self._motion(days, now)

    def _motion(self, days: list[str], now: datetime) -> int:
        """A zone's motion start queues up to `count` pictures per zone camera taken within `window_s` of it
        (kept waiting until its window has passed, for pictures that land late)."""
        if self.motion is None or self.feed is None or self.config.media_dir is None:
            return 0
        zones = self.config.motion_zones
        for start in self.motion.new(days):
            if start.at >= self.started_at - timedelta(minutes=10):
                for zone, spec in zones.items():
                    if start.sensor not in {sensor.lower() for sensor in spec.sensors}:
                        continue
                    if self.capture is not None and (now - start.at).total_seconds() <= spec.capture_within_s:
                        self.bursts.append((zone, start))  # taken by poll(), which can talk to the camera
                    else:
                        self.motions.setdefault((zone, start), {camera: set() for camera in spec.cameras})
        queued = 0
        for (zone, start), chosen in list(self.motions.items()):
            spec = zones[zone]
            for camera, shas in chosen.items():
                for snap in self.feed.near(camera, start.at, spec.window_s, spec.count):
                    if snap.sha256 in shas or len(shas) >= spec.count:
                        continue
                    shas.add(snap.sha256)
                    log.info("vision: motion zone=%s sensor=%s at=%s queues camera=%s picture=%s", zone,
                             start.sensor, start.at.isoformat(), camera, snap.sha256[:12])  # fmt: skip
                    queued += submit(self.outbox, self.config, path=self.config.media_dir / snap.path, camera=camera,
                                     taken_at=snap.taken_at, now=now, local_tz=self.local_tz)  # fmt: skip
            if now > start.at + timedelta(seconds=spec.window_s + LATE_S):
                del self.motions[(zone, start)]
        return queued

    async def capture_bursts(self) -> int:
        """Each zone motion start waiting: every zone camera takes its burst now (the cameras side by side), unless
        a privacy switch holds for it (not opted in: no picture at all; quiet hours or someone home: none is taken,
        as none could be sent). A camera no family can take a picture from gets its stored pictures instead."""
        queued = 0
        while self.bursts:
            zone, start = self.bursts.pop(0)
            spec = self.config.motion_zones[zone]
            takes = []
            for name in spec.cameras:
                reason = withheld_reason(self.config, name, self.clock(), self.local_tz)
                camera = None if reason else await self._camera(name)
                if reason:
                    log.info("vision: motion zone=%s sensor=%s camera=%s not captured: %s", zone, start.sensor, name,
                             reason)  # fmt: skip
                elif camera is None:
                    self.motions.setdefault((zone, start), {}).setdefault(name, set())
                else:
                    takes.append(self._burst(camera, name, zone, start, spec))
            queued += sum(await asyncio.gather(*takes))
        return queued

    async def _camera(self, name: str) -> Capture | None:
        if name not in self.cameras:
            self.cameras[name] = self.capture(name) if self.capture is not None else None
        return self.cameras[name]

    async def _burst(self, camera: Capture, name: str, zone: str, start: MotionStart, spec: MotionZone) -> int:
        """`spec.count` pictures `spec.spacing_s` apart, each kept by the camera family's rules (its media tree, its
        snapshots row, which leaves through the outbox with the vision rows) and queued once by its sha256."""
        queued = 0
        for index in range(spec.count):
            if index:
                await self.sleep(spec.spacing_s)
            shot = await camera.take(MOTION_SENSOR, event_at=start.at, burst_index=index)
            if shot is not None:
                log.info("vision: motion zone=%s sensor=%s at=%s captured camera=%s picture=%s", zone, start.sensor,
                         start.at.isoformat(), name, shot.sha256[:12])  # fmt: skip
                queued += await asyncio.to_thread(self._keep, shot, name)
        return queued

    def _keep(self, shot: Captured, camera: str) -> bool:
        self.outbox.add_rows([(shot.dataset, shot.row)])
        return submit(self.outbox, self.config, path=shot.path, camera=camera, taken_at=shot.taken_at,
                      now=self.clock(), local_tz=self.local_tz)  # fmt: skip

    def _send(self) -> list[tuple[int, str, dict[str, Any]]]:
        self.worker.run_due()
        return self.outbox.pending_rows()

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(self.name)
        await asyncio.to_thread(self.scan)
        await self.capture_bursts()
        pending = await asyncio.to_thread(self._send)
        outcome.results.extend(as_results(pending))
        if pending:
            last = pending[-1][0]
            outcome.on_durable.append(lambda: self.outbox.confirm_rows(last))
        return outcome

    async def check(self) -> PollOutcome:
        """`homelake check`: each provider proves its configuration (a service account's token, an OpenAI key on
        `/models`, else the endpoint answers); no picture is sent and no due job is touched."""
        outcome = PollOutcome(self.name)
        for name, provider in self.providers.items():
            try:
                detail = await asyncio.to_thread(provider.check)
            except ProviderError as exc:
                outcome.errors.append(exc)
                continue
            log.info("vision check provider=%s: %s", name, detail)
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return not isinstance(exc, ProviderError) or isinstance(exc, TransientError)

    async def aclose(self) -> None:
        for camera in self.cameras.values():
            if camera is not None:
                await camera.aclose()
        for provider in self.providers.values():
            provider.close()
        self.outbox.close()
