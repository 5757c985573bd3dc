"""HikVision family: ISAPI cameras and NVRs (device info, status, triggers, storage, the alertStream)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from homelake.logs import register_secret
from homelake.sources.base import (
    Capture,
    FamilyContext,
    FamilySimulator,
    FamilySpec,
    HistoryContext,
    PollTarget,
    SimContext,
    StreamTarget,
)
from homelake.sources.hikvision.config import HikvisionCamera, HikvisionFamily
from homelake.sources.hikvision.datasets import DATASETS
from homelake.sources.hikvision.events import HikvisionMqtt
from homelake.sources.hikvision.parse_kinds import PARSE_KINDS


def _password(camera: HikvisionCamera) -> str | None:
    password = camera.password.resolve() if camera.password else None
    register_secret(password)
    return password


def poll_targets(ctx: FamilyContext) -> list[PollTarget]:
    """One ISAPI poll target per camera or NVR."""
    from homelake.sources.hikvision.target import HikvisionTarget  # noqa: PLC0415 - httpx only when collecting

    family: HikvisionFamily = ctx.config
    return [
        HikvisionTarget(
            cam, _password(cam), local_tz=ctx.local_tz if cam.timezone is None else ZoneInfo(cam.timezone),
            interval_s=ctx.interval_for(cam, family),
            timeout_s=ctx.timeout_for(cam, family), collector=ctx.collector,
            media_dir=family.media_dir, snapshot_every_s=family.snapshot_every_s,
        )
        for cam in family.cameras
    ]  # fmt: skip


def stream_targets(ctx: FamilyContext) -> list[StreamTarget]:
    """One alertStream per camera or NVR that has `stream: true` (relaying its events when `relay` is set)."""
    from homelake.sources.hikvision.media import FrameCache  # noqa: PLC0415 - Pillow only when collecting
    from homelake.sources.hikvision.motion import NearbyMotion  # noqa: PLC0415 - pyarrow only when collecting
    from homelake.sources.hikvision.relay import MqttRelay  # noqa: PLC0415 - paho only when collecting
    from homelake.sources.hikvision.stream import AlertStreamTarget  # noqa: PLC0415 - httpx only when collecting

    family: HikvisionFamily = ctx.config
    relay = family.relay

    def relay_of(cam: HikvisionCamera) -> MqttRelay | None:
        if relay is None:
            return None
        return MqttRelay(cam.name, relay.host, relay.port, relay.spool_dir / f"{cam.name}.spool")

    return [
        AlertStreamTarget(
            cam, _password(cam), local_tz=ctx.local_tz if cam.timezone is None else ZoneInfo(cam.timezone),
            timeout_s=ctx.timeout_for(cam, family), collector=ctx.collector,
            media_dir=family.media_dir, relay=relay_of(cam),
            frames=FrameCache(family.frame_cache, family.frame_cache_every_s),
            nearby=NearbyMotion(ctx.lake_root, cam.motion_sensors, cam.motion_window_s)
            if cam.motion_sensors and ctx.lake_root is not None else None,
        )
        for cam in family.cameras
        if cam.stream
    ]  # fmt: skip


def capture(ctx: FamilyContext, name: str) -> Capture | None:
    """Camera `name` for another family's triggered work (a vision zone's motion sensor); None when it is not
    one of ours or no pictures are kept (`media_dir` unset)."""
    from homelake.sources.hikvision.capture import CameraCapture  # noqa: PLC0415 - httpx only when collecting

    family: HikvisionFamily = ctx.config
    cam = next((c for c in family.cameras if c.name == name), None)
    if cam is None or family.media_dir is None:
        return None
    return CameraCapture(
        cam, _password(cam), media_dir=family.media_dir,
        local_tz=ctx.local_tz if cam.timezone is None else ZoneInfo(cam.timezone),
        timeout_s=ctx.timeout_for(cam, family), collector=ctx.collector,
    )  # fmt: skip


def simulator(ctx: SimContext) -> FamilySimulator:
    from homelake.sources.hikvision.simulator import HikvisionSimulator  # noqa: PLC0415 - Pillow only when simulating

    return HikvisionSimulator(ctx)


def history(ctx: HistoryContext) -> int:
    from homelake.sources.hikvision.simulator.history import lay_history  # noqa: PLC0415 - as above

    return lay_history(ctx)


def _configured(config: Any) -> bool:  # noqa: ANN401 - the registry passes each family's own model
    return bool(config.cameras)


SPEC = FamilySpec(
    name="hikvision",
    description="HikVision ISAPI cameras and NVRs: device info, status, triggers, storage, alertStream events",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
    simulator=simulator,
    config=HikvisionFamily,
    configured=_configured,
    poll_targets=poll_targets,
    stream_targets=stream_targets,
    history=history,
    capture=capture,
    mqtt_parser=HikvisionMqtt,
    mqtt_topics=("homelake/hikvision/#",),
)
