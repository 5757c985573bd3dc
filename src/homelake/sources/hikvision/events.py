"""Camera events on MQTT: the canonical JSON and topics the relay publishes, and the parser that lands them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from homelake.sources.base import ParseContext, ParseResult, PayloadError, Reject
from homelake.sources.hikvision.datasets import HIKVISION_ALERTS
from homelake.sources.hikvision.values import device_time

PREFIX = "homelake/hikvision"
FIELDS = ("event_type", "event_state", "channel", "active_post_count", "target_type", "description", "ip", "mac")


def event_topic(camera: str, channel: int | None, event_type: str) -> str:
    return f"{PREFIX}/{camera}/{channel or 1}/{event_type}"


def state_topic(camera: str, channel: int | None, event_type: str) -> str:
    return f"{event_topic(camera, channel, event_type)}/state"


def availability_topic(camera: str) -> str:
    return f"{PREFIX}/{camera}/availability"


def event_payload(camera: str, row: Mapping[str, Any]) -> bytes:
    """The canonical JSON of one non-heartbeat alerts row (time in UTC, ISO 8601)."""
    at: datetime = row["observed_at"]
    body = {"camera": camera, "observed_at": at.isoformat()} | {k: row.get(k) for k in FIELDS}
    return orjson.dumps(body)


class HikvisionMqtt:
    """Lands relayed camera events (`homelake/hikvision/<camera>/<channel>/<event_type>`) as hikvision/alerts
    rows; the retained `.../state` and the availability topics carry nothing new and make no row."""

    def apply(self, topic: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]:
        parts = topic.split("/")
        if topic.endswith(("/state", "/availability")):
            return []
        expected_parts = 5
        if len(parts) != expected_parts or "/".join(parts[:2]) != PREFIX:
            raise PayloadError(f"not a camera event topic: {topic!r}")
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise PayloadError(f"{topic}: payload is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise PayloadError(f"{topic}: expected a JSON object")
        result = ParseResult(HIKVISION_ALERTS.key)
        try:
            at = device_time(data.get("observed_at"), ctx.local_tz) or ctx.observed_at
            row = {k: data.get(k) for k in FIELDS} | {"is_heartbeat": False, "content_type": "mqtt"}
            if not isinstance(row["event_type"], str) or not row["event_type"]:
                raise ValueError("event_type: required but absent")
            row["channel"] = int(row["channel"] or parts[3])
        except (ValueError, TypeError) as exc:
            result.rejects.append(Reject(f"{topic}: {exc}", payload))
            return [result]
        result.rows.append(replace(ctx, device_id=parts[2], observed_at=at).origin() | row)
        return [result]
