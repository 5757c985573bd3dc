"""A camera's alertStream as a stream target: connect, parse parts incrementally, learn the heartbeat cadence."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from homelake.sources.base import ParseContext, ParseResult, PollOutcome
from homelake.sources.hikvision.alerts import is_alert, parse_part
from homelake.sources.hikvision.client import HTTP_UNAUTHORIZED, HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS, HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import FrameCache, snapshot_row
from homelake.sources.hikvision.motion import NearbyMotion
from homelake.sources.hikvision.multipart import MultipartStream, Part, boundary_of
from homelake.sources.hikvision.paths import fetch_picture
from homelake.sources.hikvision.relay import MqttRelay

ALERT_PATH = "/ISAPI/Event/notification/alertStream"
PROBE_PATH = "/ISAPI/System/status"
DEFAULT_BOUNDARY = "boundary"
log = logging.getLogger(__name__)  # what devices commonly use, when the header names none


class AlertStreamTarget:
    source = "hikvision"

    def __init__(  # noqa: PLR0913 - the device, its secret and the site's defaults
        self,
        camera: HikvisionCamera,
        password: str | None,
        *,
        local_tz: tzinfo,
        timeout_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
        media_dir: Path | None = None,
        relay: MqttRelay | None = None,
        frames: FrameCache | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        nearby: NearbyMotion | None = None,
    ) -> None:
        self.media_dir, self.relay = media_dir, relay
        self.nearby = nearby  # the motion sensors near the camera, read from the lake
        self.channels_seen: set[int] = {1}  # channels with events so far (the frame cache's channels)
        self.sleep = sleep or asyncio.sleep  # between the pictures of a burst
        self.frames = frames or FrameCache(0, 1.0)
        self.camera, self.name, self.stall_s = camera, f"{camera.name}/alertStream", camera.stall_s
        self.local_tz, self.collector = local_tz, collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.client = HikvisionClient(camera, password, timeout_s=timeout_s)
        self.heartbeats = 0  # on the current connection
        self.last_heartbeat: datetime | None = None
        self.heartbeat_s: float | None = None  # learned cadence (the latest gap between heartbeats)

    def _ctx(self) -> ParseContext:
        now = self.clock()
        return ParseContext("hikvision", self.camera.name, self.collector, now, now, self.local_tz)

    async def follow(self) -> AsyncIterator[PollOutcome]:
        self.heartbeats = 0
        timeout = httpx.Timeout(self.client.http.timeout.connect, read=None)
        async with self.client.http.stream("GET", ALERT_PATH, timeout=timeout) as reply:
            if reply.status_code == HTTP_UNAUTHORIZED:
                raise HikvisionError(self.camera.name, ALERT_PATH, "auth", "401 Unauthorized: check the password")
            if reply.status_code != httpx.codes.OK:
                raise HikvisionError(self.camera.name, ALERT_PATH, "http", f"HTTP {reply.status_code}",
                                     reply.status_code)  # fmt: skip
            stream = MultipartStream(boundary_of(reply.headers.get("content-type")) or DEFAULT_BOUNDARY)
            watcher = asyncio.create_task(self._watch_nearby()) if self._watches_nearby() else None
            try:
                yield PollOutcome(self.camera.name)  # connected
                try:
                    async for chunk in reply.aiter_raw():
                        outcome = self._outcome(stream.feed(chunk))
                        await self._snapshots(outcome)
                        await self._relay(outcome)
                        yield outcome
                except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
                    yield self._outcome(stream.flush())
                    raise HikvisionError(self.camera.name, ALERT_PATH, "cut", type(exc).__name__) from None
                yield self._outcome(stream.flush())
            finally:
                if watcher is not None:
                    watcher.cancel()

    def _watches_nearby(self) -> bool:
        return self.nearby is not None and self.media_dir is not None and self.frames.size > 0

    async def _watch_nearby(self) -> None:
        """While connected: every `frame_cache_every_s`, a frame of each channel seen while a sensor nearby moves."""
        while True:
            try:
                await self.cache_nearby()
            except Exception as exc:  # a failed look costs one frame, never the stream
                log.warning("nearby motion: frame cache failed camera=%s: %s", self.camera.name, exc)
            await asyncio.sleep(self.frames.every_s)

    async def cache_nearby(self) -> int:
        """One look at the motion sensors near the camera: while one reported motion within its window, cache a
        frame of each channel seen (when one is due), so that an episode starting later gets the frame closest to
        its start, even though the camera's own event has not arrived yet. Returns the frames cached."""
        if self.nearby is None or not self._watches_nearby():
            return 0
        now = self.clock()
        await asyncio.to_thread(self.nearby.refresh, now)
        if not self.nearby.moving(now):
            return 0
        cached = 0
        for channel in sorted(self.channels_seen):
            if self.frames.due(channel, now):
                jpeg = await self._fetch(channel)
                if jpeg is not None:
                    self.frames.add(channel, now, jpeg)
                    cached += 1
        return cached

    def _outcome(self, parts: list[Part]) -> PollOutcome:
        outcome = PollOutcome(self.camera.name)
        ctx = self._ctx()
        channel = 1
        for part in parts:
            if part.content_type == "image/jpeg":
                self.frames.add(channel, ctx.observed_at, part.body)  # a smart event's picture: a frame too
                continue
            if not is_alert(part):
                continue  # unknown part types are skipped
            result = parse_part(part, ctx)
            for row in result.rows:
                if row["is_heartbeat"]:
                    self._heartbeat(ctx.observed_at)
                else:
                    channel = int(row["channel"] or 1)
                    self.channels_seen.add(channel)
            outcome.results.append(result)
        return outcome

    def _heartbeat(self, at: datetime) -> None:
        if self.last_heartbeat is not None:
            self.heartbeat_s = (at - self.last_heartbeat).total_seconds() or self.heartbeat_s
        self.heartbeats += 1
        self.last_heartbeat = at

    async def _snapshots(self, outcome: PollOutcome) -> None:
        """While anything moves, keep recent frames; for the start of each episode whose class the camera's
        `snapshot_on` names, keep the frame closest to the start (cached, or fetched now)."""
        if self.media_dir is None:
            return
        rows = [r for res in outcome.results for r in res.rows if not r["is_heartbeat"]]
        moving = sorted({int(r["channel"] or 1) for r in rows if r["event_state"] == "active"})
        fetched: set[datetime] = set()
        for channel in moving:
            now = self.clock()
            if self.frames.due(channel, now):
                jpeg = await self._fetch(channel)
                if jpeg is not None:
                    self.frames.add(channel, now, jpeg)
                    fetched.add(now)
        starts = [r for r in rows if r["event_state"] == "active" and r["active_post_count"] == 1]
        wanted = self.camera.snapshot_on
        for row in starts:
            if "any" not in wanted and row["target_type"] not in wanted:
                continue
            channel, event_at = int(row["channel"] or 1), row["observed_at"]
            frame = self.frames.closest(channel, event_at)
            if frame is None:  # no cache: a fresh picture
                jpeg = await self._fetch(channel)
                if jpeg is None:
                    continue
                frame = (self.clock(), jpeg)
                fetched.add(frame[0])
            snap = await self._keep(self.media_dir, frame[1], frame[0], row)
            snap["from_frame_cache"] = frame[0] not in fetched
            outcome.results.append(ParseResult(HIKVISION_SNAPSHOTS.key, rows=[snap, *await self._burst(row)]))

    async def _burst(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The rest of an episode start's burst: `burst_count - 1` fresh pictures `burst_spacing_s` apart (the
        stream is read on afterwards: its parts wait in the socket, and the config keeps a burst under stall_s)."""
        out: list[dict[str, Any]] = []
        if self.media_dir is None:
            return out
        channel = int(row["channel"] or 1)
        for index in range(1, self.camera.burst_count):
            await self.sleep(self.camera.burst_spacing_s)
            jpeg = await self._fetch(channel)
            if jpeg is None:
                continue  # logged; the burst goes on
            taken = self.clock()
            self.frames.add(channel, taken, jpeg)
            out.append(await self._keep(self.media_dir, jpeg, taken, row, burst_index=index))
        return out

    async def _fetch(self, channel: int) -> bytes | None:
        try:
            return await self._picture(channel)
        except HikvisionError as exc:
            log.warning("snapshot failed camera=%s channel=%d: %s", self.camera.name, channel, exc)
            return None

    async def _keep(
        self, media_dir: Path, jpeg: bytes, taken: datetime, row: dict[str, Any], burst_index: int = 0
    ) -> dict[str, Any]:
        """Store the picture in the media tree; its snapshots row, for the episode start `row`."""
        keep = partial(snapshot_row, taken=taken, channel=int(row["channel"] or 1), trigger="episode_start", event=row,
                       burst_index=burst_index)  # fmt: skip
        return await asyncio.to_thread(keep, media_dir, self._ctx(), jpeg)

    async def _relay(self, outcome: PollOutcome) -> None:
        """With a relay, events leave by MQTT (spooled until PUBACK) and come back through the ingester:
        only heartbeats are written from here, so nothing lands twice."""
        if self.relay is None:
            return
        for result in outcome.results:
            if result.dataset != HIKVISION_ALERTS.key:
                continue  # snapshots are media rows, written here
            events = [r for r in result.rows if not r["is_heartbeat"]]
            result.rows = [r for r in result.rows if r["is_heartbeat"]]
            for row in events:
                await asyncio.to_thread(self.relay.relay, row)
        if self.relay.has_pending():  # after an outage the spool goes out with the next part (a heartbeat at least)
            await asyncio.to_thread(self.relay.flush)

    async def aclose_relay(self) -> None:
        if self.relay is not None:
            await asyncio.to_thread(self.relay.close)

    async def _picture(self, channel: int) -> bytes:
        return await fetch_picture(self.client, self.camera, channel)

    async def probe(self) -> bool:
        try:
            await self.client.get(PROBE_PATH)
        except HikvisionError:
            return False
        return True

    def quiet_ok(self) -> bool:
        return self.heartbeats == 0  # firmware that never sends heartbeats: silence alone proves nothing

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, HikvisionError) and exc.transient

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.aclose_relay()
