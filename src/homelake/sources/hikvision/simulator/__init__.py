"""Simulated HikVision devices: an ISAPI server per camera of the site (two DS-2CD1043G2 and an 8-channel NVR)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from homelake.sim.model.camera_scene import CAMERAS
from homelake.sim.servers.secrets import write_secret
from homelake.sources.base import SimContext
from homelake.sources.hikvision.simulator.server import CameraServer

__all__ = ["CameraServer", "HikvisionSimulator"]


class HikvisionSimulator:
    """One CameraServer per camera (free ports; generated passwords unless `options["passwords"]` names them)."""

    def __init__(self, ctx: SimContext) -> None:
        passwords: dict[str, str] = dict(ctx.options.get("passwords") or {})
        self.site = ctx.site
        self.servers: dict[str, CameraServer] = {
            cam.name: CameraServer(
                ctx.site, cam, host=ctx.host, clock=ctx.clock,
                password=passwords.get(cam.name) or secrets.token_urlsafe(12),
            )
            for cam in CAMERAS
        }  # fmt: skip

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"name": name, "kind": f"ISAPI ({server.cam.model})", "url": f"{server.url}/ISAPI/System/deviceInfo",
             "login": f"{server.auth.username} / {server.auth.password}"}
            for name, server in self.servers.items()
        ]  # fmt: skip

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any]:
        """The `hikvision:` section: one 0600 password file per camera in `secrets_dir`."""
        cameras = []
        for name, server in self.servers.items():
            secret = write_secret(Path(secrets_dir) / f"hikvision-{name}.password", server.auth.password)
            cameras.append({"name": name, "url": server.url, "username": server.auth.username,
                            "password": {"file": str(secret)}, "allow_http": True})  # fmt: skip
            if name == "cam-front":  # a short burst at each episode start; the hall's motion sensor sees the door
                cameras[-1] |= {"burst_count": 3, "burst_spacing_s": 1.0, "motion_sensors": self._hall_sensors()}
        return {"interval_s": interval_s, "cameras": cameras}

    def _hall_sensors(self) -> list[str]:
        """The device ids (as their rows carry them in the lake) of the simulated site's hall motion sensors."""
        from homelake.sim.model.occupancy import MOTION_ROOMS  # noqa: PLC0415 - only for the site file
        from homelake.sim.model.shelly_state import shelly_state  # noqa: PLC0415

        shelly = {d.key: d.device_id for d in shelly_state(self.site).devices}
        return [shelly.get(key, key) for key, room in MOTION_ROOMS.items() if room == "hall"]
