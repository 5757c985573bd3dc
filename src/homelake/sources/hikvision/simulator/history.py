"""Simulated camera history: every ISAPI poll and every alertStream part over a time range, through the parsers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from homelake.sim.model.camera_scene import CAMERAS, Camera, episodes
from homelake.sim.model.site import Site, sample_times
from homelake.sources.base import HistoryContext, ParseContext, ParseResult
from homelake.sources.hikvision import parser
from homelake.sources.hikvision.alerts import is_alert, parse_part
from homelake.sources.hikvision.config import HikvisionFamily
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS, HIKVISION_SNAPSHOTS
from homelake.sources.hikvision.media import snapshot_row
from homelake.sources.hikvision.multipart import MultipartStream
from homelake.sources.hikvision.simulator import payloads

COLLECTOR = "backfill"
CHUNK = timedelta(hours=6)  # stream history is laid in chunks, each one multipart body through the real parser
BOOT_AGE = timedelta(days=30)
POLL_STEP = timedelta(minutes=15)
# The backfill keeps one heartbeat a minute (the live stream sends one every 10 s): parsing every one of them
# would cost the demo ~10 s per 2 days; episodes are laid part for part.
HISTORY_HEARTBEAT_S = 60.0  # the history keeps a poll every 15 minutes, whatever the demo step


def stream_results(site: Site, cam: Camera, start: datetime, end: datetime, ctx: ParseContext) -> ParseResult:
    """The alerts rows of [start, end): the parts the camera sends, as one stream body through the parser."""
    eps = episodes(site, start - timedelta(hours=1), end, cam.name)
    body = b"".join(payloads.part(b) for _, b in payloads.stream_parts(cam, eps, start - timedelta(microseconds=1),
                                                                         end - timedelta(microseconds=1),
                                                                         HISTORY_HEARTBEAT_S))  # fmt: skip
    stream = MultipartStream(payloads.BOUNDARY)
    result = ParseResult(HIKVISION_ALERTS.key)
    for part in stream.feed(body) + stream.flush():
        if is_alert(part):
            one = parse_part(part, ctx)
            result.rows += one.rows
            result.rejects += one.rejects
    for row in result.rows:  # received as they were sent
        row["received_at"] = row["observed_at"]
    return result


def poll_results(site: Site, cam: Camera, t: datetime, ctx: ParseContext) -> list[ParseResult]:
    boot = site.start - BOOT_AGE
    return [
        parser.parse_device_info(payloads.device_info(cam), ctx),
        parser.parse_status(payloads.status(t, boot, 8 + t.minute % 7), ctx),
        parser.parse_triggers(payloads.triggers(cam), ctx),
        parser.parse_storage(payloads.storage(failed=False), ctx),
    ]


def snapshot_results(history: HistoryContext, cam: Camera, ctx: ParseContext) -> ParseResult:
    """The pictures the collector would have kept in [start, end): one at each episode start of the classes the
    camera's `snapshot_on` names (the frame at the start, as the frame cache gives it) and the scheduled ones
    of every channel, rendered by the simulator and written into the media tree."""
    site, start, end, config = history.site, history.start, history.end, history.config
    result = ParseResult(HIKVISION_SNAPSHOTS.key)
    if not isinstance(config, HikvisionFamily):
        return result
    configured = next((c for c in config.cameras if c.name == cam.name), None)
    if config.media_dir is None or configured is None:
        return result
    wanted = configured.snapshot_on
    for ep in episodes(site, start, end, cam.name):
        if ep.start < start or ("any" not in wanted and ep.target not in wanted):
            continue
        event = {"observed_at": ep.start, "event_type": ep.event_type.lower(), "target_type": ep.target}
        for index in range(configured.burst_count):  # the frame at the start, then the rest of the burst
            at = ep.start + timedelta(seconds=index * configured.burst_spacing_s)
            jpeg = payloads.snapshot(site, cam, ep.channel, at)
            result.rows.append(snapshot_row(config.media_dir, ctx, jpeg, taken=at, channel=ep.channel,
                                            trigger="episode_start", event=event, burst_index=index))  # fmt: skip
    if config.snapshot_every_s is not None:
        every = config.snapshot_every_s
        slot = math.ceil(start.timestamp() / every)
        while (at := datetime.fromtimestamp(slot * every, UTC)) < end:
            for channel in range(1, cam.channels + 1):
                jpeg = payloads.snapshot(site, cam, channel, at)
                result.rows.append(snapshot_row(config.media_dir, ctx, jpeg, taken=at, channel=channel,
                                                trigger="scheduled"))  # fmt: skip
            slot += 1
    for row in result.rows:
        row["received_at"] = row["taken_at"]
    return result


def lay_history(ctx: HistoryContext) -> int:
    """Every poll (each `step`) and every stream part of [start, end) of every camera, and with a site's
    `media_dir` its snapshots; returns rows stored."""
    rows = 0
    config: HikvisionFamily | None = ctx.config
    for cam in CAMERAS:
        if config is not None and config.media_dir is not None:
            sctx = ParseContext("hikvision", cam.name, COLLECTOR, ctx.start, ctx.start, ctx.local_tz)
            rows += ctx.store([snapshot_results(ctx, cam, sctx)], "hikvision", cam.name)
        for t in sample_times(ctx.start, ctx.end, max(ctx.step, POLL_STEP)):
            pctx = ParseContext("hikvision", cam.name, COLLECTOR, t, t, ctx.local_tz)
            rows += ctx.store(poll_results(ctx.site, cam, t, pctx), "hikvision", cam.name)
        t = ctx.start
        while t < ctx.end:
            until = min(ctx.end, t + CHUNK)
            sctx = ParseContext("hikvision", cam.name, COLLECTOR, t, t, ctx.local_tz)
            rows += ctx.store([stream_results(ctx.site, cam, t, until, sctx)], "hikvision", cam.name)
            t = until
        if ctx.progress is not None:
            ctx.progress((CAMERAS.index(cam) + 1) / len(CAMERAS))
    return rows
