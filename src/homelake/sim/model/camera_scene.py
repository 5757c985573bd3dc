"""What the site's cameras see: detection episodes derived from the people model (the ground truth of #10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from homelake.sim.model import noise
from homelake.sim.model.occupancy import occupancy
from homelake.sim.model.site import Site

HEARTBEAT_S = 10.0  # a videoloss/inactive part with post count 0, every 10 s (firmware >= 5.5)
REPOST_S = 1.0  # active parts are re-posted this often while an episode lasts
STALE_SHARE = 0.25  # episodes whose camera never sends the `inactive` part
DRIVERS = frozenset({"anna", "jonas"})  # they come and go by car; the others walk
NVR_CHANNELS = 8


@dataclass(frozen=True)
class Camera:
    name: str
    model: str
    device_type: str  # IPCamera | NVR
    channels: int
    mac: str
    place: str


CAMERAS: tuple[Camera, ...] = (
    Camera("cam-front", "DS-2CD1043G2-I", "IPCamera", 1, "c0:56:e3:10:43:01", "front door"),
    Camera("cam-driveway", "DS-2CD1043G2-LIU", "IPCamera", 1, "c0:56:e3:10:43:02", "driveway"),
    Camera("nvr", "DS-7608NI-K2", "NVR", NVR_CHANNELS, "c0:56:e3:76:08:01", "garden and back yard"),
)


@dataclass(frozen=True)
class Episode:
    """One detection as the camera reports it: active parts from `start` to `end`, then `ended_by`."""

    camera: str
    channel: int
    event_type: str  # VMD | linedetection | fielddetection | videoloss (as the camera spells it)
    target: str | None  # human | vehicle (VMD 2.0), None for other kinds
    start: datetime
    end: datetime  # the last active part is at or before this
    ended_by: str  # inactive (the camera sends an inactive part) | stale (re-posts just stop)

    @property
    def key(self) -> tuple[str, int, str, str | None]:
        return (self.camera, self.channel, self.event_type, self.target)


def camera(name: str) -> Camera:
    for cam in CAMERAS:
        if cam.name == name:
            return cam
    raise KeyError(f"unknown camera {name!r}")


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(round(t), UTC)


def _episode(seed: int, cam: str, ch: int, kind: str, target: str | None, begin: float, end: float) -> Episode:
    ended_by = "stale" if noise.chance(STALE_SHARE, seed, "cam-end", cam, ch, kind, round(begin)) else "inactive"
    return Episode(cam, ch, kind, target, _utc(begin), _utc(end), ended_by)


def _from_movements(site: Site, start: float, end: float) -> list[Episode]:
    found: list[Episode] = []
    for t, person, move in occupancy(site).movements(start - 300, end + 300):
        arrive = move == "arrive"
        # front door: the person at the door, lined up with the keypad unlock (t) and the hall motion (t + 5)
        span = (t - 8, t + 12) if arrive else (t - 25, t + 5)
        found.append(_episode(site.seed, "cam-front", 1, "VMD", "human", *span))
        if person in DRIVERS:  # the car on the driveway, and the driver crossing the line to the door
            car = (t - 90, t - 60) if arrive else (t + 30, t + 60)
            found.append(_episode(site.seed, "cam-driveway", 1, "VMD", "vehicle", *car))
            if arrive:
                found.append(_episode(site.seed, "cam-driveway", 1, "linedetection", "human", t - 50, t - 44))
        else:
            walk = (t - 40, t - 25) if arrive else (t + 10, t + 25)
            found.append(_episode(site.seed, "cam-driveway", 1, "fielddetection", "human", *walk))
    return found


def _garden(site: Site, start: float, end: float) -> list[Episode]:
    found: list[Episode] = []
    slot = int(start // 3600) - 1
    while slot * 3600 < end:
        hour = datetime.fromtimestamp(slot * 3600, site.tz).hour
        if 7 <= hour < 21 and noise.chance(0.15, site.seed, "garden", slot):
            begin = slot * 3600 + round(noise.uniform(0, 3000, site.seed, "garden", slot, "at"))
            length = round(noise.uniform(20, 120, site.seed, "garden", slot, "len"))
            found.append(_episode(site.seed, "nvr", 2 + slot % 3, "VMD", "human", begin, begin + length))
        if hour == 3:  # a real video loss on the back-yard channel, nightly, for two minutes
            found.append(Episode("nvr", NVR_CHANNELS, "videoloss", None, _utc(slot * 3600 + 600),
                                 _utc(slot * 3600 + 720), "inactive"))  # fmt: skip
        slot += 1
    return found


def _merge(episodes: list[Episode]) -> list[Episode]:
    """Overlapping episodes of one key are one episode to the camera (it keeps re-posting)."""
    merged: list[Episode] = []
    last: dict[tuple[str, int, str, str | None], int] = {}
    for ep in sorted(episodes, key=lambda e: (e.start, e.camera, e.channel, e.event_type)):
        index = last.get(ep.key)
        if index is not None and ep.start <= merged[index].end + timedelta(seconds=REPOST_S):
            prev = merged[index]
            if ep.end > prev.end:
                merged[index] = Episode(*prev.key, prev.start, ep.end, ep.ended_by)
            continue
        last[ep.key] = len(merged)
        merged.append(ep)
    return merged


def episodes(site: Site, start: datetime, end: datetime, cam: str | None = None) -> list[Episode]:
    """Every episode starting in [start, end), by start time (optionally of one camera)."""
    t0, t1 = start.timestamp(), end.timestamp()
    everything = _merge(_from_movements(site, t0 - 3600, t1 + 3600) + _garden(site, t0 - 3600, t1 + 3600))
    return [e for e in everything if start <= e.start < end and (cam is None or e.camera == cam)]


def active_at(site: Site, cam: str, t: datetime) -> list[Episode]:
    """Episodes of a camera under way at `t` (what a snapshot at `t` shows)."""
    return [e for e in episodes(site, t - timedelta(hours=1), t + timedelta(seconds=1), cam) if e.start <= t <= e.end]
