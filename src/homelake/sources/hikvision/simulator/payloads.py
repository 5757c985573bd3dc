"""What the simulated cameras answer: ISAPI XML bodies, alertStream parts in time order, Pillow snapshots."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from homelake.sim.model.camera_scene import HEARTBEAT_S, REPOST_S, Camera, Episode, active_at
from homelake.sim.model.site import Site

NS = "http://www.hikvision.com/ver20/XMLSchema"
BOUNDARY = "boundary"
FIRMWARE = ("V5.7.3", "build 230313")
ENDED_PART_DELAY_S = 1.0
DAYLIGHT_HOURS = range(7, 19)  # the inactive part follows the last active one by this much
DESCRIPTIONS = {"VMD": "Motion alarm", "linedetection": "linedetection alarm",
                "fielddetection": "fielddetection alarm", "videoloss": "videoloss alarm"}  # fmt: skip


def _xml(root: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\r\n<{root} version="2.0" xmlns="{NS}">\r\n{body}</{root}>\r\n'.encode()
    )


def device_info(cam: Camera) -> bytes:
    serial = f"{cam.model}20230101AAWRJ{cam.mac.replace(':', '')[-8:].upper()}"
    uid = f"48a1b2c3-d4e5-11ee-8000-{cam.mac.replace(':', '')}"
    fields = {"deviceName": cam.name, "deviceID": uid, "deviceDescription": cam.place, "model": cam.model,
              "serialNumber": serial, "macAddress": cam.mac, "firmwareVersion": FIRMWARE[0],
              "firmwareReleasedDate": FIRMWARE[1], "hardwareVersion": "0x0", "deviceType": cam.device_type}  # fmt: skip
    return _xml("DeviceInfo", "".join(f"<{k}>{escape(v)}</{k}>\r\n" for k, v in fields.items()))


def status(now: datetime, boot: datetime, cpu_pct: float) -> bytes:
    uptime = max(0, round((now - boot).total_seconds()))
    body = (f"<currentDeviceTime>{now.astimezone(UTC).isoformat(timespec='seconds')}</currentDeviceTime>"
            f"<deviceUpTime>{uptime}</deviceUpTime><CPUList><CPU><cpuDescription>ARM</cpuDescription>"
            f"<cpuUtilization>{cpu_pct:.0f}</cpuUtilization></CPU></CPUList><MemoryList><Memory>"
            "<memoryDescription>DDR Memory</memoryDescription><memoryUsage>118.5</memoryUsage>"
            "<memoryAvailable>137.5</memoryAvailable></Memory></MemoryList>")  # fmt: skip
    return _xml("DeviceStatus", body)


def triggers(cam: Camera) -> bytes:
    kinds = ["VMD", "videoloss"] + (["linedetection", "fielddetection"] if cam.name == "cam-driveway" else [])
    items = []
    for ch in range(1, cam.channels + 1):
        for kind in kinds:
            items.append(
                f"<EventTrigger><id>{kind}-{ch}</id><eventType>{kind}</eventType>"
                f"<videoInputChannelID>{ch}</videoInputChannelID><dynVideoInputChannelID>{ch}"
                "</dynVideoInputChannelID><EventTriggerNotificationList><EventTriggerNotification><id>center</id>"
                "<notificationMethod>center</notificationMethod><notificationRecurrence>beginning"
                "</notificationRecurrence></EventTriggerNotification></EventTriggerNotificationList></EventTrigger>"
            )
    return _xml("EventNotification", f'<EventTriggerList version="2.0">{"".join(items)}</EventTriggerList>')


def storage(*, failed: bool) -> bytes:
    state, free = ("error", 0) if failed else ("ok", 41210)
    return _xml("storage", f"<hddList><hdd><id>1</id><hddName>hdd1</hddName><hddType>SD</hddType><status>{state}"
                f"</status><capacity>60906</capacity><freeSpace>{free}</freeSpace><property>RW</property></hdd>"
                "</hddList>")  # fmt: skip


def alert(  # noqa: PLR0913, PLR0917 - one argument per field of the alert
    cam: Camera, channel: int, kind: str, state: str, count: int, at: datetime, target: str | None
) -> bytes:
    region = (f"<DetectionRegionList><DetectionRegionEntry><regionID>1</regionID><sensitivityLevel>60"
              f"</sensitivityLevel><detectionTarget>{target}</detectionTarget></DetectionRegionEntry>"
              "</DetectionRegionList>") if target else ""  # fmt: skip
    body = (f"<ipAddress>192.0.2.{60 + channel}</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>"
            f"<macAddress>{cam.mac}</macAddress><channelID>{channel}</channelID>"
            f"<dateTime>{at.astimezone(UTC).isoformat(timespec='seconds')}</dateTime>"
            f"<activePostCount>{count}</activePostCount><eventType>{kind}</eventType><eventState>{state}</eventState>"
            f"<eventDescription>{DESCRIPTIONS.get(kind, kind)}</eventDescription>{region}\r\n")  # fmt: skip
    return _xml("EventNotificationAlert", body)


def part(body: bytes, content_type: str = 'application/xml; charset="UTF-8"') -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    return head + body + b"\r\n"


def _episode_parts(cam: Camera, ep: Episode, t0: datetime, t1: datetime) -> list[tuple[datetime, bytes]]:
    out: list[tuple[datetime, bytes]] = []
    count = math.floor((ep.end - ep.start).total_seconds() / REPOST_S) + 1
    first = max(0, math.floor((t0 - ep.start).total_seconds() / REPOST_S))
    for k in range(first, count):
        at = ep.start + timedelta(seconds=k * REPOST_S)
        if t0 < at <= t1:
            out.append((at, alert(cam, ep.channel, ep.event_type, "active", k + 1, at, ep.target)))
    ended = ep.start + timedelta(seconds=(count - 1) * REPOST_S + ENDED_PART_DELAY_S)
    if ep.ended_by == "inactive" and t0 < ended <= t1:
        out.append((ended, alert(cam, ep.channel, ep.event_type, "inactive", count, ended, ep.target)))
    return out


def stream_parts(
    cam: Camera, eps: list[Episode], t0: datetime, t1: datetime, heartbeat_s: float = HEARTBEAT_S
) -> list[tuple[datetime, bytes]]:
    """Every alert part body the camera sends in (t0, t1] given its episodes, heartbeats included, in time order."""
    out: list[tuple[datetime, bytes]] = []
    beat = math.floor(t0.timestamp() / heartbeat_s) + 1
    while beat * heartbeat_s <= t1.timestamp():
        at = datetime.fromtimestamp(beat * heartbeat_s, UTC)
        out.append((at, alert(cam, 1, "videoloss", "inactive", 0, at, None)))
        beat += 1
    for ep in eps:
        if ep.start <= t1 and ep.end + timedelta(seconds=ENDED_PART_DELAY_S) > t0:
            out += _episode_parts(cam, ep, t0, t1)
    return sorted(out, key=lambda item: item[0])


def snapshot(site: Site, cam: Camera, channel: int, at: datetime) -> bytes:
    """A 640x360 JPEG of the simulated scene: people as figures, vehicles as boxes, and the time."""
    hour = at.astimezone(site.tz).hour
    image = Image.new("RGB", (640, 360), (90, 110, 90) if hour in DAYLIGHT_HOURS else (25, 28, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 360), fill=(70, 70, 75))
    for i, ep in enumerate(e for e in active_at(site, cam.name, at) if e.channel == channel):
        x = 80 + 150 * i
        if ep.target == "vehicle":
            draw.rectangle((x, 200, x + 180, 280), fill=(160, 30, 30))
        else:
            draw.ellipse((x + 20, 150, x + 50, 180), fill=(230, 200, 170))
            draw.rectangle((x + 15, 180, x + 55, 270), fill=(40, 60, 160))
    draw.text((10, 10), f"{cam.name} ch{channel} {at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()
