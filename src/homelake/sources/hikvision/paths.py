"""ISAPI picture paths: cameras serve `/ISAPI/Streaming/...`, NVRs their channels through the StreamingProxy."""

from __future__ import annotations

from homelake.sources.hikvision.client import HikvisionClient, HikvisionError
from homelake.sources.hikvision.config import HikvisionCamera

HTTP_NOT_FOUND = 404


def picture_path(camera: HikvisionCamera, channel: int, *, nvr: bool) -> str:
    """The main-stream picture of `channel` (`<N>01`); NVRs serve it through the StreamingProxy."""
    base = "/ISAPI/ContentMgmt/StreamingProxy" if nvr else "/ISAPI/Streaming"
    return f"{base}/channels/{channel}01/picture"


async def fetch_picture(client: HikvisionClient, camera: HikvisionCamera, channel: int) -> bytes:
    """The JPEG of `channel` now: the camera's path, else (404) the NVR's StreamingProxy."""
    try:
        return await client.get(picture_path(camera, channel, nvr=False))
    except HikvisionError as exc:
        if exc.status != HTTP_NOT_FOUND:
            raise
        return await client.get(picture_path(camera, channel, nvr=True))
