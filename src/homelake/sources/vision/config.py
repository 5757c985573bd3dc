"""Configuration of cloud vision: off by default, per-camera opt-in, providers with credentials by reference."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.secrets import SecretRef


class ProviderConfig(BaseModel):
    """One cloud vision service. `kind` picks the wire format; `endpoint_url` points at a compatible server."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: Literal["rekognition", "google", "openai"]
    endpoint_url: str | None = None  # None: the vendor's public endpoint (not for openai: give the base URL)
    model: str | None = None  # openai: the chat model; others: a label for the lake
    api_key: SecretRef | None = None  # google (API key), openai (bearer token)
    # google: a service account's JSON key (the file Cloud Console downloads, by reference): a signed JWT is
    # exchanged at its `token_uri` for an OAuth access token, refreshed before it expires
    service_account: SecretRef | None = None
    access_key_id: SecretRef | None = None  # rekognition; None: boto3's own chain (env, ~/.aws, instance role)
    secret_access_key: SecretRef | None = None
    region: str = "eu-west-1"
    min_confidence: float = Field(50.0, ge=0, le=100)  # rekognition MinConfidence, percent
    max_labels: int = Field(20, ge=1, le=1000)  # rekognition MaxLabels / google maxResults
    prompt: str | None = None  # openai: overrides the default instruction
    cost_per_call_usd: float | None = Field(None, ge=0)  # the estimate the cost cap counts; None: list price
    daily_max_calls: int | None = Field(None, ge=0)  # None: no cap
    daily_max_cost_usd: float | None = Field(None, ge=0)
    send_skipped_next_day: bool = False  # a job over the cap is sent on the next day instead of kept skipped
    timeout_s: float = Field(20.0, gt=0)

    @property
    def cost_usd(self) -> float:
        """The estimated cost of one call (list prices, Dec 2026: Rekognition $1/1000 images, Cloud Vision
        $1.50/1000 units per feature x 2 features, a small vision chat model ~$0.002 per 640x360 image)."""
        if self.cost_per_call_usd is not None:
            return self.cost_per_call_usd
        return {"rekognition": 0.001, "google": 0.003, "openai": 0.002}[self.kind]

    @model_validator(mode="after")
    def _credentials(self) -> ProviderConfig:
        if self.kind == "openai" and self.endpoint_url is None:
            raise ValueError("openai providers need endpoint_url (e.g. https://api.openai.com/v1)")
        if self.service_account is not None and (self.kind != "google" or self.api_key is not None):
            raise ValueError("service_account is for google providers, instead of an api_key")
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("give both access_key_id and secret_access_key, or neither")
        return self


class VisionCamera(BaseModel):
    """A camera whose snapshots may be uploaded (every other camera's never are)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    provider: str | None = None  # None: the family's default provider
    classes: list[str] = ["human", "vehicle"]  # episode classes whose start snapshots are analysed ("any": all)
    quiet_hours: tuple[int, int] | None = None  # (from, to) local hours when nothing is sent, e.g. (23, 6)


class MotionZone(BaseModel):
    """`vision.motion_zones.<zone>`: a motion sensor of the zone that starts reporting motion has each zone camera
    take a burst of `count` pictures `spacing_s` apart, one job each (whatever class the camera itself saw). A
    camera no family can take a picture from, or a motion learnt of more than `capture_within_s` after it
    happened, gets the `count` pictures already kept in the media tree nearest the motion instead."""

    model_config = ConfigDict(extra="forbid")

    sensors: list[str] = Field(min_length=1)  # device ids as in the lake (e.g. shelly-motion-hall, living_motion)
    cameras: list[str] = Field(min_length=1)  # opted-in cameras (vision.cameras) that see the zone
    count: int = Field(3, ge=1, le=20)  # pictures per camera and motion: a burst, or the nearest stored ones
    spacing_s: float = Field(1.0, gt=0, le=10)  # between the pictures of a burst
    capture_within_s: float = Field(60.0, gt=0, le=600)  # an older motion is not captured (the scene moved on)
    window_s: float = Field(30.0, gt=0, le=600)  # stored pictures: taken at most this long before or after it


class VisionFamily(BaseModel):
    """`vision:` in the site file. Nothing is uploaded unless `enabled` and the camera is listed in `cameras`."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    interval_s: float | None = Field(None, gt=0)  # how often the worker looks for new snapshots and due jobs
    timeout_s: float | None = Field(None, gt=0)
    media_dir: Path | None = None  # the snapshots' media root (content-addressed JPEGs, one folder per camera)
    outbox: Path = Path("var/vision-outbox.sqlite")  # the durable job store (SQLite, WAL)
    provider: str | None = None  # the default provider's name; None: the first
    providers: list[ProviderConfig] = []
    cameras: list[VisionCamera] = []
    # a file your home automation keeps while someone is home: no snapshot is queued while it exists
    not_while_home_file: Path | None = None
    motion_zones: dict[str, MotionZone] = {}  # zone (room) -> its motion sensors and the cameras that see it
    concurrency: int = Field(4, ge=1, le=64)
    rate_per_s: float = Field(5.0, gt=0)  # requests per second across the pool
    attempts_per_lease: int = Field(3, ge=1)  # tenacity attempts in one go before the job waits in the outbox
    max_attempts: int = Field(40, ge=1)  # then the job is dead ("gave up")
    backoff_s: float = Field(1.0, gt=0)  # exponential backoff with jitter, in-process
    requeue_s: float = Field(60.0, gt=0)  # first wait in the outbox after a lease's attempts failed; doubles
    requeue_max_s: float = Field(600.0, gt=0)

    @model_validator(mode="after")
    def _known_providers(self) -> VisionFamily:
        names = [p.name for p in self.providers]
        wanted = {self.provider} | {c.provider for c in self.cameras}
        unknown = sorted(n for n in wanted if n is not None and n not in names)
        if unknown:
            raise ValueError(f"unknown vision provider {', '.join(unknown)}; configured: {', '.join(names) or 'none'}")
        if len(set(names)) != len(names):
            raise ValueError("vision provider names must be unique")
        for zone, spec in self.motion_zones.items():
            strangers = sorted(set(spec.cameras) - {c.name for c in self.cameras})
            if strangers:
                raise ValueError(f"motion_zones.{zone}: camera {', '.join(strangers)} is not in vision.cameras")
        if self.enabled and not self.providers:
            raise ValueError("vision.enabled needs at least one entry in vision.providers")
        return self

    def provider_for(self, camera: str) -> ProviderConfig | None:
        """The provider a camera's snapshots go to; None when the camera is not opted in (or no provider)."""
        for cam in self.cameras:
            if cam.name == camera:
                wanted = cam.provider or self.provider or (self.providers[0].name if self.providers else None)
                return next((p for p in self.providers if p.name == wanted), None)
        return None

    def camera(self, name: str) -> VisionCamera | None:
        return next((c for c in self.cameras if c.name == name), None)
