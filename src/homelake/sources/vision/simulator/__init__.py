"""Simulated cloud vision: Rekognition, Cloud Vision and an OpenAI-compatible server on one loopback port."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelake.sim.servers.secrets import write_secret
from homelake.sources.base import SimContext
from homelake.sources.vision.simulator.answers import Noise
from homelake.sources.vision.simulator.server import Credentials, Fault, VisionServer

__all__ = ["Credentials", "Fault", "Noise", "VisionServer", "VisionSimulator"]


class VisionSimulator:
    """The family's simulator: one VisionServer; its site section turns vision on for every camera (demo only)."""

    def __init__(self, ctx: SimContext) -> None:
        noise = Noise(
            confidence_sd=float(ctx.options.get("confidence_sd", 0.05)),
            miss_rate=float(ctx.options.get("miss_rate", 0.02)),
            false_positive_rate=float(ctx.options.get("false_positive_rate", 0.02)),
        )
        self.site = ctx.site
        self.server = VisionServer(host=ctx.host, port=int(ctx.options.get("port", 0)), noise=noise, clock=ctx.clock)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        creds = self.server.credentials
        return [
            {
                "name": "rekognition",
                "kind": "AWS Rekognition DetectLabels",
                "url": self.server.url,
                "login": f"{creds.access_key_id} / {creds.secret_access_key}",
            },
            {
                "name": "google",
                "kind": "Cloud Vision images:annotate",
                "url": f"{self.server.url}/v1/images:annotate",
                "login": f"key {creds.google_api_key}",
            },
            {
                "name": "openai",
                "kind": "OpenAI chat completions",
                "url": f"{self.server.url}/v1",
                "login": f"Bearer {creds.openai_api_key}",
            },
        ]

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """`vision:` on, against the simulator (Rekognition by default, the others configured beside it), for the
        site's cameras, reading the snapshots under `media` (the demo's media root)."""
        creds = self.server.credentials
        key_id = write_secret(Path(secrets_dir) / "vision-aws.key-id", creds.access_key_id)
        secret = write_secret(Path(secrets_dir) / "vision-aws.secret", creds.secret_access_key)
        google = write_secret(Path(secrets_dir) / "vision-google.key", creds.google_api_key)
        openai = write_secret(Path(secrets_dir) / "vision-openai.key", creds.openai_api_key)
        return {
            "enabled": True,
            "interval_s": interval_s,
            "media_dir": "media",
            "outbox": "var/vision-outbox.sqlite",
            "provider": "rekognition",
            "providers": [
                {
                    "name": "rekognition",
                    "kind": "rekognition",
                    "endpoint_url": self.server.url,
                    "access_key_id": {"file": str(key_id)},
                    "secret_access_key": {"file": str(secret)},
                    "daily_max_calls": 500,
                    "timeout_s": 5.0,
                },
                {
                    "name": "google",
                    "kind": "google",
                    "endpoint_url": self.server.url,
                    "api_key": {"file": str(google)},
                    "daily_max_calls": 100,
                    "timeout_s": 5.0,
                },
                {
                    "name": "openai",
                    "kind": "openai",
                    "endpoint_url": f"{self.server.url}/v1",
                    "model": "gpt-4o-mini",
                    "api_key": {"file": str(openai)},
                    "daily_max_calls": 100,
                    "timeout_s": 5.0,
                },
            ],
            "cameras": [{"name": "cam-front"}, {"name": "cam-driveway"}, {"name": "nvr", "provider": "google"}],
            # the hall's motion sensor (someone came in at the front door): the front camera's nearest pictures
            "motion_zones": {"hall": {"sensors": self._sensors_in("hall"), "cameras": ["cam-front"]}},
        }

    def _sensors_in(self, room: str) -> list[str]:
        """The simulated site's motion sensors of `room`, by the device ids their rows carry in the lake."""
        from homelake.sim.model.occupancy import MOTION_ROOMS  # noqa: PLC0415
        from homelake.sim.model.shelly_state import shelly_state  # noqa: PLC0415

        keys = [key for key, where in MOTION_ROOMS.items() if where == room]
        shelly = {d.key: d.device_id for d in shelly_state(self.site).devices}
        return [shelly.get(key, key) for key in keys]
