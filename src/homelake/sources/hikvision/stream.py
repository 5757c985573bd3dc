"""A camera's alertStream as a stream target: connect, parse parts incrementally, learn the heartbeat cadence."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import httpx

from homelake.sources.base import ParseContext, ParseResult, PollOutcome
from homelake.sources.hikvision.alerts import is_alert, parse_part
from homelake.sources.hikvision.client import HTTP_UNAUTHORIZED, HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS, HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import store_snapshot
from homelake.sources.hikvision.multipart import MultipartStream, Part, boundary_of
from homelake.sources.hikvision.relay import MqttRelay

ALERT_PATH = "/ISAPI/Event/notification/alertStream"
PROBE_PATH = "/ISAPI/System/status"
DEFAULT_BOUNDARY = "boundary"
HTTP_NOT_FOUND = 404
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
    ) -> None:
        self.media_dir, self.relay = media_dir, relay
        self.camera, self.name, self.stall_s = camera, f"{camera.name}/alertStream", camera.stall_s
        self.local_tz, self.collector = local_tz, collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.client = HikvisionClient(camera, password, timeout_s=timeout_s)
        self.heartbeats = 0  # on the current connection
        self.last_heartbeat: datetime | None = None
        self.heartbeat_s: float | None = None  # learned cadence (the latest gap between heartbeats)
        self.images: list[tuple[datetime, bytes]] = []  # image parts of smart events, for the snapshot writer

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

    def _outcome(self, parts: list[Part]) -> PollOutcome:
        outcome = PollOutcome(self.camera.name)
        ctx = self._ctx()
        for part in parts:
            if part.content_type == "image/jpeg":
                self.images = [*self.images[-9:], (ctx.observed_at, part.body)]
                continue
            if not is_alert(part):
                continue  # unknown part types are skipped
            result = parse_part(part, ctx)
            for row in result.rows:
                if row["is_heartbeat"]:
                    self._heartbeat(ctx.observed_at)
            outcome.results.append(result)
        return outcome

    def _heartbeat(self, at: datetime) -> None:
        if self.last_heartbeat is not None:
            self.heartbeat_s = (at - self.last_heartbeat).total_seconds() or self.heartbeat_s
        self.heartbeats += 1
        self.last_heartbeat = at

    async def _snapshots(self, outcome: PollOutcome) -> None:
        """A picture at the start of each episode whose class the camera's `snapshot_on` names."""
        if self.media_dir is None:
            return
        rows = [r for res in outcome.results for r in res.rows if not r["is_heartbeat"]]
        starts = [r for r in rows if r["event_state"] == "active" and r["active_post_count"] == 1]
        wanted = self.camera.snapshot_on
        for row in starts:
            if "any" not in wanted and row["target_type"] not in wanted:
                continue
            try:
                jpeg = await self._picture(int(row["channel"] or 1))
            except HikvisionError as exc:
                log.warning("snapshot failed camera=%s: %s", self.camera.name, exc)
                continue
            taken = self.clock()
            stored = await asyncio.to_thread(store_snapshot, self.media_dir, self.camera.name, jpeg, taken)
            event_at: datetime = row["observed_at"]
            snap: dict[str, Any] = {
                **self._ctx().origin(), "observed_at": taken, "channel": row["channel"], "trigger": "episode_start",
                "event_type": row["event_type"], "target_type": row["target_type"], "event_at": event_at,
                "taken_at": taken, "snapshot_lag_ms": round((taken - event_at).total_seconds() * 1000),
                "sha256": stored.sha256, "bytes": stored.size, "width": stored.width, "height": stored.height,
                "path": stored.path,
            }  # fmt: skip
            outcome.results.append(ParseResult(HIKVISION_SNAPSHOTS.key, rows=[snap]))

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

    async def aclose_relay(self) -> None:
        if self.relay is not None:
            await asyncio.to_thread(self.relay.close)

    async def _picture(self, channel: int) -> bytes:
        try:
            return await self.client.get(picture_path(self.camera, channel, nvr=False))
        except HikvisionError as exc:
            if exc.status != HTTP_NOT_FOUND:
                raise
            return await self.client.get(picture_path(self.camera, channel, nvr=True))

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


def picture_path(camera: HikvisionCamera, channel: int, *, nvr: bool) -> str:
    """The main-stream picture of `channel` (`<N>01`); NVRs serve it through the StreamingProxy."""
    base = "/ISAPI/ContentMgmt/StreamingProxy" if nvr else "/ISAPI/Streaming"
    return f"{base}/channels/{channel}01/picture"
