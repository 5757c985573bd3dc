"""Pure parser for alertStream parts: one EventNotificationAlert (XML or JSON) to one hikvision/alerts row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.columns import Column, col
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS
from homelake.sources.hikvision.multipart import MultipartStream, Part, boundary_in
from homelake.sources.hikvision.parser import INT, LOWER, TEXT, TIME
from homelake.sources.hikvision.values import mac as _mac
from homelake.sources.hikvision.xmltree import fields, local, parse_xml

ALERT_ROOT = "EventNotificationAlert"
TARGET_KEYS = ("detectionTarget", "targetType")  # VMD 2.0 human/vehicle classification, where firmware puts it


def _lenient_mac(value: object, _ctx: ParseContext) -> str | None:
    try:
        return _mac(value)
    except ValueError:
        return None  # an odd MAC is kept out of the column but never costs the event


ALERT_COLUMNS: tuple[Column, ...] = (
    col("event_type", "eventType", LOWER, required=True),
    col("event_state", "eventState", LOWER),
    col("channel", "channelID|dynChannelID|inputIOPortID|dynInputIOPortID", INT),
    col("active_post_count", "activePostCount", INT),
    col("target_type", "target", LOWER),
    col("description", "eventDescription", TEXT),
    col("observed_at", "dateTime", TIME),  # the camera's own time of the event, in UTC
    col("ip", "ipAddress|ipv6Address", TEXT),
    col("mac", "macAddress", _lenient_mac),
)


def is_heartbeat(event_type: str | None, state: str | None, post_count: int | None) -> bool:
    """videoloss/inactive with post count 0 (or an empty count, as some firmware sends), or a heartBeat part."""
    if event_type == "heartbeat":
        return True
    return event_type == "videoloss" and state == "inactive" and not post_count


def _json_items(value: object) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key), item
            yield from _json_items(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_items(item)


def alert_fields(body: bytes, content_type: str) -> dict[str, Any]:
    """The flat fields of one alert (top-level leaves plus the detection target); PayloadError if unreadable."""
    if content_type.endswith("json"):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise PayloadError(f"JSON part is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise PayloadError("JSON part is not an object")
        data = data.get(ALERT_ROOT, data) if isinstance(data.get(ALERT_ROOT), dict) else data
        item = {k: x for k, x in data.items() if not isinstance(x, dict | list)}
        item["target"] = next((x for k, x in _json_items(data) if k in TARGET_KEYS and isinstance(x, str)), None)
        return item
    root = parse_xml(body.strip())
    if local(root.tag) != ALERT_ROOT:
        raise PayloadError(f"expected <{ALERT_ROOT}>, got <{local(root.tag)}>")
    item = dict(fields(root))
    item["target"] = next(((e.text or "").strip() for e in root.iter() if local(e.tag) in TARGET_KEYS), None)
    return item


def parse_part(part: Part, ctx: ParseContext) -> ParseResult:
    """One XML or JSON part to one alerts row; an unreadable or cut-off part is rejected with its bytes."""
    result = ParseResult(HIKVISION_ALERTS.key)
    if part.truncated:
        result.rejects.append(Reject(f"part cut off at {len(part.body)} bytes", part.body))
        return result
    try:
        item = alert_fields(part.body, part.content_type)
        row = {c.name: c.value(item, ctx) for c in ALERT_COLUMNS}
    except (PayloadError, ValueError) as exc:
        result.rejects.append(Reject(str(exc), part.body))
        return result
    row["is_heartbeat"] = is_heartbeat(row["event_type"], row["event_state"], row["active_post_count"])
    row["content_type"] = part.content_type
    if row["observed_at"] is None:  # no dateTime in the part: when it was received
        row["observed_at"] = ctx.observed_at
    result.rows.append({**ctx.origin(), **row})
    return result


def is_alert(part: Part) -> bool:
    """XML and JSON parts are alerts; image parts are snapshots; anything else is skipped."""
    return part.content_type.endswith(("xml", "json"))


def parse_stream(raw: bytes, ctx: ParseContext, boundary: str | None = None) -> list[ParseResult]:
    """A saved alertStream body (boundary from its first `--xxx` line unless given) to alerts rows."""
    boundary = boundary or boundary_in(raw)
    if boundary is None:
        raise PayloadError("no multipart boundary line (--xxx) in the saved stream")
    stream = MultipartStream(boundary)
    parts = stream.feed(raw) + stream.flush()
    result = ParseResult(HIKVISION_ALERTS.key)
    for part in parts:
        if is_alert(part):
            one = parse_part(part, ctx)
            result.rows += one.rows
            result.rejects += one.rejects
    return [result]
