"""Pure, table-driven parsers: ISAPI XML answers (deviceInfo, status, triggers, storage) to hikvision/* rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, tostring

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.columns import Column, Convert, col, plain
from homelake.sources.hikvision import values as v
from homelake.sources.hikvision.datasets import (
    HIKVISION_DEVICE_INFO,
    HIKVISION_STATUS,
    HIKVISION_STORAGE,
    HIKVISION_TRIGGERS,
)
from homelake.sources.hikvision.xmltree import descendants, fields, local, parse_xml, text

TEXT, LOWER, INT, FLOAT, MAC, BUILD = map(plain, (v.text, v.lower, v.integer, v.number, v.mac, v.build))
TIME: Convert = lambda value, ctx: v.device_time(value, ctx.local_tz)  # noqa: E731 - one line in the table
ERROR_STATES = frozenset({"error", "smartfailed", "offline", "mismatch", "abnormal", "notexist"})


DEVICE_INFO_COLUMNS = (
    col("device_name", "deviceName", TEXT),
    col("model", "model", TEXT, required=True),
    col("serial_number", "serialNumber|subSerialNumber", TEXT),
    col("firmware", "firmwareVersion", TEXT),
    col("firmware_build", "firmwareReleasedDate", BUILD),
    col("device_type", "deviceType", TEXT),
    col("mac", "macAddress", MAC),
    col("device_uid", "deviceID", TEXT),
    col("hardware_version", "hardwareVersion", TEXT),
)
STATUS_COLUMNS = (
    col("device_time", "currentDeviceTime", TIME),
    col("uptime_s", "deviceUpTime", FLOAT),
    col("cpu_pct", "cpuUtilization", FLOAT),
    col("memory_used_mb", "memoryUsage", FLOAT),
    col("memory_available_mb", "memoryAvailable", FLOAT),
)
TRIGGER_COLUMNS = (
    col("trigger_id", "id", TEXT),
    col("event_type", "eventType", LOWER, required=True),
    col("channel", "dynVideoInputChannelID|videoInputChannelID|dynInputIOPortID|inputIOPortID", INT),
    col("notification_methods", "methods", TEXT),
    col("notifies_center", "notifies_center", plain(lambda x: x)),
)
STORAGE_COLUMNS = (
    col("disk_id", "id", TEXT),
    col("disk_name", "hddName|nasName|name", TEXT),
    col("status", "status", LOWER),
    col("capacity_mb", "capacity", FLOAT),
    col("free_mb", "freeSpace", FLOAT),
    col("is_error", "is_error", plain(lambda x: x)),
)


def rows_of(
    dataset: str, items: list[tuple[Mapping[str, Any], bytes]], columns: tuple[Column, ...], ctx: ParseContext
) -> ParseResult:
    """Each item to one row through `columns`; an item that fails one column is rejected with its bytes."""
    result = ParseResult(dataset)
    for item, raw in items:
        try:
            row = {c.name: c.value(item, ctx) for c in columns}
        except ValueError as exc:
            result.rejects.append(Reject(str(exc), raw))
            continue
        result.rows.append({**ctx.origin(), **row})
    return result


def _raw(element: Element) -> bytes:
    return tostring(element)


def _expect(root: Element, *names: str) -> None:
    if local(root.tag) not in names:
        raise PayloadError(f"expected <{'> or <'.join(names)}>, got <{local(root.tag)}>")


def parse_device_info(raw: bytes, ctx: ParseContext) -> ParseResult:
    root = parse_xml(raw)
    _expect(root, "DeviceInfo")
    return rows_of(HIKVISION_DEVICE_INFO.key, [(fields(root), raw)], DEVICE_INFO_COLUMNS, ctx)


def parse_status(raw: bytes, ctx: ParseContext) -> ParseResult:
    root = parse_xml(raw)
    _expect(root, "DeviceStatus")
    item: dict[str, Any] = dict(fields(root))
    cpus = [text(c, "cpuUtilization") for c in descendants(root, "CPU")]
    loads = [float(c) for c in cpus if c is not None and c.replace(".", "", 1).isdigit()]
    item["cpuUtilization"] = sum(loads) / len(loads) if loads else None
    memory = next(iter(descendants(root, "Memory")), None)
    item["memoryUsage"] = text(memory, "memoryUsage")
    item["memoryAvailable"] = text(memory, "memoryAvailable")
    return rows_of(HIKVISION_STATUS.key, [(item, raw)], STATUS_COLUMNS, ctx)


def parse_triggers(raw: bytes, ctx: ParseContext) -> ParseResult:
    root = parse_xml(raw)
    _expect(root, "EventNotification", "EventTriggerList", "EventTrigger")
    triggers = [root] if local(root.tag) == "EventTrigger" else descendants(root, "EventTrigger")
    items: list[tuple[Mapping[str, Any], bytes]] = []
    for trigger in triggers:
        item: dict[str, Any] = dict(fields(trigger))
        methods = [t for m in descendants(trigger, "notificationMethod") if (t := (m.text or "").strip())]
        item["methods"] = ",".join(methods) or None
        item["notifies_center"] = any(m.lower() in ("center", "http") for m in methods)
        items.append((item, _raw(trigger)))
    return rows_of(HIKVISION_TRIGGERS.key, items, TRIGGER_COLUMNS, ctx)


def parse_storage(raw: bytes, ctx: ParseContext) -> ParseResult:
    root = parse_xml(raw)
    _expect(root, "storage", "Storage", "hddList")
    disks = [d for name in ("hdd", "nas") for d in descendants(root, name)]
    items: list[tuple[Mapping[str, Any], bytes]] = []
    for disk in disks:
        item: dict[str, Any] = dict(fields(disk))
        item["is_error"] = (v.lower(item.get("status")) or "") in ERROR_STATES
        items.append((item, _raw(disk)))
    return rows_of(HIKVISION_STORAGE.key, items, STORAGE_COLUMNS, ctx)


def channels_of(raw: bytes) -> list[int]:
    """Video channels a device names in its triggers (cameras 1, NVRs 1..N): discovered, never assumed."""
    root = parse_xml(raw)
    found: set[int] = set()
    for trigger in descendants(root, "EventTrigger"):
        channel = text(trigger, "dynVideoInputChannelID") or text(trigger, "videoInputChannelID")
        if channel is not None and channel.isdigit():
            found.add(int(channel))
    return sorted(found) or [1]
