"""Routes one MQTT message to its parser and builds the verbatim archive row; pure apart from parser state."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from homelake.runtime.mqtt.config import ARCHIVE, TopicRoute
from homelake.sources import FAMILIES
from homelake.sources.base import MqttParser, ParseContext, ParseResult, PayloadError


def topic_matches(filter_: str, topic: str) -> bool:
    """MQTT filter semantics: `+` one level, `#` the rest (including the parent level)."""
    f_parts, t_parts = filter_.split("/"), topic.split("/")
    for i, part in enumerate(f_parts):
        if part == "#":
            return True
        if i >= len(t_parts) or (part != "+" and part != t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)


def message_key(topic: str, payload: bytes) -> str:
    """Identity of a message's content; with the MQTT `dup` flag it lets dbt drop redeliveries."""
    h = hashlib.blake2b(topic.encode("utf-8", "surrogateescape"), digest_size=16)
    h.update(b"\0")
    h.update(payload)
    return h.hexdigest()


@dataclass
class Routed:
    archive: dict[str, Any]
    results: list[ParseResult] = field(default_factory=list)
    error: str | None = None


class Router:
    """Picks the first route whose filter matches and runs that family's stateful parser."""

    def __init__(self, routes: Sequence[TopicRoute], *, collector: str, local_tz: tzinfo) -> None:
        self.routes = list(routes)
        self.collector = collector
        self.local_tz = local_tz
        # one stateful parser per MQTT family, made when the ingester starts
        self.parsers: dict[str, MqttParser] = {
            spec.name: spec.mqtt_parser() for spec in FAMILIES if spec.mqtt_parser is not None
        }

    def _context(self, topic: str, received_at: datetime) -> ParseContext:
        return ParseContext(
            family="mqtt",
            device_id=topic.split("/", 1)[0],
            collector=self.collector,
            observed_at=received_at,
            received_at=received_at,
            local_tz=self.local_tz,
        )

    def archive_row(  # noqa: PLR0913 - one keyword per MQTT message attribute
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int,
        retain: bool,
        dup: bool,
        received_at: datetime,
        parsed_ok: bool | None = True,
    ) -> dict[str, Any]:
        """The verbatim `mqtt/messages` row of one message."""
        return {
            **self._context(topic, received_at).origin(),
            "topic": topic,
            "payload": payload,
            "qos": qos,
            "retain": retain,
            "dup": dup,
            "msg_key": message_key(topic, payload),
            "parsed_ok": parsed_ok,
        }

    def route(  # noqa: PLR0913 - one keyword per MQTT message attribute
        self, topic: str, payload: bytes, *, qos: int, retain: bool, dup: bool, received_at: datetime
    ) -> Routed:
        ctx = self._context(topic, received_at)
        parser_name = next((r.parser for r in self.routes if topic_matches(r.filter, topic)), None)
        routed = Routed(
            archive=self.archive_row(topic, payload, qos=qos, retain=retain, dup=dup, received_at=received_at)
        )
        if parser_name is None:
            routed.error = "no route for this topic"
        elif parser_name != ARCHIVE:
            try:
                routed.results = self.parsers[parser_name].apply(topic, payload, ctx)
            except PayloadError as exc:
                routed.error = str(exc)
            except Exception as exc:  # a parser bug must not stop ingestion; the bytes are kept
                routed.error = f"parser {parser_name} failed: {type(exc).__name__}: {exc}"
        if routed.error:
            routed.archive["parsed_ok"] = False
        return routed
