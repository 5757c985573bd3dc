"""Configuration of the HikVision cameras and NVRs polled over ISAPI and followed on their alertStream."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.secrets import SecretRef
from homelake.sources.config import DeviceConfig, unique_names


class HikvisionCamera(DeviceConfig):
    """One camera or NVR. `url` is the base, e.g. `https://192.168.1.64` (the client adds `/ISAPI/...`)."""

    url_error: ClassVar[str] = "must start with https:// (or http:// together with allow_http: true)"
    http_error: ClassVar[str | None] = "plain http:// exposes the camera's login; use https:// or set allow_http: true"

    username: str = "admin"
    password: SecretRef | None = None
    # True: verify against system CAs; a path: verify against that CA bundle; False: explicit opt-out.
    verify_tls: bool | Path = True
    allow_http: bool = False
    allow_basic: bool = False  # Digest (MD5) only unless the camera is known to need Basic
    timezone: str | None = None  # the camera's wall-clock zone, for times sent without an offset
    interval_s: float | None = None
    timeout_s: float | None = None
    stream: bool = True  # follow /ISAPI/Event/notification/alertStream
    stall_s: float = Field(30.0, gt=0)  # nothing on the stream this long: probe, then reconnect
    stale_s: float = Field(5.0, gt=0)  # an episode whose re-posts stop this long has ended ("stale")
    # a snapshot at the start of each episode of these target classes ("any" for every episode)
    snapshot_on: list[str] = ["human", "vehicle"]
    # a burst: this many pictures per such episode start (the first the frame closest to the start, then fresh
    # ones `burst_spacing_s` apart), each its own file and snapshots row (`burst_index` 0, 1, ...)
    burst_count: int = Field(1, ge=1, le=10)
    burst_spacing_s: float = Field(1.0, gt=0, le=10)
    # motion sensors that see what this camera sees (device ids of any family's sensor_readings rows with a
    # `motion` or `occupancy` flag): while one reported motion within `motion_window_s`, the frame cache fills
    # even before the camera's own event arrives
    motion_sensors: list[str] = []
    motion_window_s: float = Field(30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _burst_fits(self) -> HikvisionCamera:
        if (self.burst_count - 1) * self.burst_spacing_s >= self.stall_s / 2:
            raise ValueError("a burst (burst_count - 1) x burst_spacing_s must stay under half of stall_s")
        return self


class RelayConfig(BaseModel):
    """`hikvision.relay`: publish each camera event to MQTT; the ingester then lands it (one path into the lake)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    spool_dir: Path = Path("var/relay-spool")  # bounded, fsynced; replayed in order after an outage


class HikvisionFamily(BaseModel):
    """`hikvision:` in the site file: the cameras and NVRs, with family-wide interval and timeout overrides."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    cameras: list[HikvisionCamera] = []
    media_dir: Path | None = None  # where snapshots go (content-addressed); None: no snapshots
    snapshot_every_s: float | None = Field(3600.0, gt=0)  # a scheduled picture of every channel; None: off
    # the last frames of each channel kept while anything moves on the camera, so an episode's snapshot is
    # the frame closest to its start (a picture fetched after the trigger often shows an empty scene)
    frame_cache: int = Field(5, ge=0)  # frames per channel; 0: no cache
    frame_cache_every_s: float = Field(1.0, gt=0)  # at most one cached frame per channel this often
    media_retention_days: int | None = Field(None, ge=1)  # `homelake lake retention` deletes older media
    media_max_bytes: int | None = Field(None, ge=1)  # ... and the oldest beyond this total size
    relay: RelayConfig | None = None  # None: events are written to the lake directly

    @model_validator(mode="after")
    def _unique_names(self) -> HikvisionFamily:
        unique_names((c.name for c in self.cameras), "camera names")
        return self
