"""The demo site catalogue: routers, people, rooms and LAN clients (rows in catalogue.csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from importlib import resources

from homelake.sim.model import noise
from homelake.sim.model.model import (
    EVERY_DAY,
    WEEKDAYS,
    WEEKEND,
    Client,
    Metadata,
    Presence,
    RoomRule,
    Router,
    Window,
)

PERSONS: dict[str, str] = {"anna": "commuter", "jonas": "traveller", "mia": "student", "guest": "visitor"}

# room -> (serving AP, signal at that AP in dBm before jitter, location in the house)
ROOMS: dict[str, tuple[str, int, str]] = {
    "living": ("ap-living", -48, "ground floor"),
    "kitchen": ("ap-living", -57, "ground floor"),
    "garden": ("ap-living", -73, "outside"),
    "bedroom": ("ap-living", -63, "first floor"),
    "bathroom": ("ap-living", -66, "first floor"),
    "office": ("ap-office", -46, "ground floor"),
    "hall": ("ap-office", -55, "ground floor"),
    "kids_room": ("ap-office", -61, "first floor"),
    "garage": ("ap-office", -71, "garage"),
    "utility": ("ap-office", -67, "basement"),
}

_CAP_AX = dict(
    role="ap", board_name="cAPGi-5HaxD2HaxD", ether_ports=2, sfp_ports=0, architecture="arm64", cpu="ARM64",
    cpu_count=4, cpu_mhz=1800, memory_bytes=1 << 30, hdd_bytes=128 << 20, ssid="homelake",
    factory_software="7.13",
)  # fmt: skip
ROUTERS: tuple[Router, ...] = (
    Router(
        name="fw", role="firewall", board_name="RB4011iGS+", ip="192.168.88.1", mac="48:a9:8a:10:20:30",
        timezone="", ether_ports=10, sfp_ports=1, architecture="arm", cpu="ARMv7", cpu_count=4, cpu_mhz=1400,
        memory_bytes=1 << 30, hdd_bytes=512 << 20, boot_offset_s=3 * 86400 + 25200, dhcp_server="lan",
        port_comments={"ether1": "WAN", "ether2": "uplink sw"},
    ),
    Router(
        name="sw", role="switch", board_name="CRS326-24G-2S+", ip="192.168.88.2", mac="dc:2c:6e:40:50:60",
        timezone="", ether_ports=24, sfp_ports=2, architecture="arm", cpu="ARMv7", cpu_count=1, cpu_mhz=800,
        memory_bytes=512 << 20, hdd_bytes=16 << 20, boot_offset_s=41 * 86400 + 3600,
        port_comments={"ether1": "uplink fw", "ether2": "ap-living", "ether3": "ap-office"},
    ),
    Router(name="ap-living", ip="192.168.88.3", mac="78:9a:18:70:80:90", timezone="",
           boot_offset_s=12 * 86400 + 600, **_CAP_AX),  # type: ignore[arg-type]
    Router(name="ap-office", ip="192.168.88.4", mac="78:9a:18:70:80:a0", timezone="",
           boot_offset_s=12 * 86400 + 1500, **_CAP_AX),  # type: ignore[arg-type]
)  # fmt: skip


def _person_rooms(day_rooms: tuple[tuple[str, float], ...], days: frozenset[int]) -> tuple[RoomRule, ...]:
    """Where someone (and the devices they carry) is through the day; redrawn every half hour."""
    return (
        RoomRule(EVERY_DAY, 0, 390, (("bedroom", 1.0),)),
        RoomRule(EVERY_DAY, 390, 540, (("kitchen", 0.6), ("bathroom", 0.2), ("bedroom", 0.2))),
        RoomRule(days, 540, 1080, day_rooms),
        RoomRule(EVERY_DAY, 540, 1080, (("living", 0.5), ("kitchen", 0.3), ("garden", 0.2))),
        RoomRule(EVERY_DAY, 1080, 1200, (("kitchen", 0.6), ("living", 0.4))),
        RoomRule(EVERY_DAY, 1200, 1380, (("living", 0.7), ("bedroom", 0.3))),
        RoomRule(EVERY_DAY, 1380, 1440, (("bedroom", 1.0),)),
    )


ROOM_RULES: dict[str, tuple[RoomRule, ...]] = {
    "anna": _person_rooms((("living", 0.5), ("kitchen", 0.3), ("garden", 0.2)), EVERY_DAY),
    "jonas": _person_rooms((("office", 0.8), ("kitchen", 0.1), ("living", 0.1)), WEEKDAYS),
    "mia": (
        RoomRule(EVERY_DAY, 0, 420, (("kids_room", 1.0),)),
        RoomRule(EVERY_DAY, 840, 1320, (("kids_room", 0.7), ("living", 0.2), ("kitchen", 0.1))),
        RoomRule(EVERY_DAY, 1320, 1440, (("kids_room", 1.0),)),
        *_person_rooms((("living", 0.5), ("kids_room", 0.5)), EVERY_DAY),
    ),
    "vacuum": (RoomRule(WEEKDAYS, 600, 690, (("living", 0.4), ("kitchen", 0.3), ("bedroom", 0.3))),),
}

WINDOWS: dict[str, tuple[Window, ...]] = {
    "anna": (
        Window(WEEKDAYS, 1170, 1350, 0.7, 20),
        Window(WEEKEND, 600, 720, 0.5, 30),
        Window(WEEKEND, 1200, 1380, 0.6, 30),
    ),
    "jonas": (Window(frozenset({0, 2, 4}), 510, 1050, 1.0, 15), Window(EVERY_DAY, 1230, 1350, 0.4, 20)),
    "workstation": (Window(frozenset({0, 2, 4}), 500, 1080, 1.0, 10),),
    "tablet": (Window(EVERY_DAY, 1080, 1290, 0.8, 30), Window(WEEKEND, 540, 690, 0.6, 30)),
    "printer": (Window(WEEKDAYS, 1080, 1140, 0.3, 30), Window(frozenset({5}), 600, 720, 0.5, 30)),
}
SHORT_LEASE_KINDS = {"phone", "laptop", "tablet", "desktop"}  # 10 min; static 1 h; everything else 30 min
IOT_PREFIXES = ("shelly", "iot", "door", "vacuum")  # 2.4 GHz only


def _mac(oui: str, seed: int, client_id: str) -> str:
    if oui == "private":  # randomised per-network address: locally administered, unicast
        first, *rest = noise.hex_bytes(6, seed, client_id, "mac")
        return ":".join(f"{b:02x}" for b in [(first & 0xFC) | 0x02, *rest])
    return oui + "".join(f":{b:02x}" for b in noise.hex_bytes(3, seed, client_id, "mac"))


def _lease_time(kind: str, long: bool) -> int:
    return 3600 if long else 600 if kind in SHORT_LEASE_KINDS else 1800


def _client(row: dict[str, str], seed: int) -> Client:
    extra = dict(item.split("=", 1) for item in row["extras"].split(";") if item)
    mac = extra.get("mac") or _mac(row["oui"], seed, row["id"])  # a fixed MAC where another model names it
    digits = mac.replace(":", "")
    # hostname templates: {m6} = last 6 MAC hex digits upper-case, {m12} = all 12 lower-case
    hostname = row["hostname"].format(m6=digits[-6:].upper(), m12=digits) or None
    reboot = extra.get("reboot")
    presence = Presence(
        mode=extra.get("mode", "always"),  # type: ignore[arg-type]
        person=extra.get("person"),
        usage=WINDOWS.get(extra.get("windows", ""), ()),
        outage_per_day=float(extra.get("outage_per_day", 0)),
        reboot_weekly=(int(reboot.split("/")[0]), int(reboot.split("/")[1])) if reboot else None,
    )
    static = extra.get("static")
    kind, room = row["kind"], row["room"]
    metadata = Metadata(
        name=row["name"], owner=row["owner"], room=room, location=ROOMS[room][2],
        device_type=row["device_type"], vendor=row["vendor"], model=row["model"],
        notes="static lease" if static else "",
    )  # fmt: skip
    return Client(
        id=row["id"], mac=mac, hostname=hostname, kind=kind,
        connection=row["connection"],  # type: ignore[arg-type]
        room=room, metadata=metadata, in_metadata="unknown" not in extra, presence=presence,
        lease_time_s=_lease_time(kind, static is not None or presence.mode == "sleeper"),
        static_ip=static, lease_comment=row["name"] if static else None,
        band="2ghz" if kind.startswith(IOT_PREFIXES) else "5ghz",
        sends_client_id="no_client_id" not in extra,
        roams=ROOM_RULES.get(extra.get("rooms", ""), ()), mobility_key=extra.get("person"),
        attrs={k: v for k, v in extra.items() if k in ("gen", "model_id")},
    )  # fmt: skip


def build_inventory(seed: int, timezone: str) -> tuple[tuple[Router, ...], tuple[Client, ...]]:
    """Routers and clients of the demo site; MACs (and names derived from them) depend on the seed."""
    text = resources.files("homelake.sim.model").joinpath("catalogue.csv").read_text(encoding="utf-8")
    clients = tuple(_client(row, seed) for row in csv.DictReader(io.StringIO(text)))
    if len({c.mac for c in clients}) != len(clients):  # astronomically unlikely, but never silently
        raise ValueError(f"seed {seed} produced a duplicate MAC address; choose another seed")
    return tuple(replace(r, timezone=timezone) for r in ROUTERS), clients
