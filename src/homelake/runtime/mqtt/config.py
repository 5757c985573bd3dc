"""Configuration of the MQTT ingester: broker, session, topics, batching, metrics endpoint."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homelake.secrets import SecretRef
from homelake.sources import FAMILIES

ARCHIVE = "archive"  # keep the message verbatim in mqtt/messages, parse nothing
PARSERS: tuple[str, ...] = tuple(spec.name for spec in FAMILIES if spec.mqtt_parser is not None)


class TopicRoute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: str = Field(min_length=1)
    parser: str  # a family with an MQTT parser, or "archive"

    @field_validator("parser")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in (*PARSERS, ARCHIVE):
            raise ValueError(f"unknown parser {value!r}; use one of: {', '.join((*PARSERS, ARCHIVE))}")
        return value


# Every MQTT family's default topic filters, in the registry's order (the first matching route wins).
DEFAULT_TOPICS = [TopicRoute(filter=topic, parser=spec.name) for spec in FAMILIES for topic in spec.mqtt_topics]


class MetricsEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(9108, ge=0, le=65535)


class MqttConfig(BaseModel):
    """`mqtt:` in the site file. Defaults give at-least-once delivery on a persistent session."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password: SecretRef | None = None
    # TLS to the broker (usually port 8883). verify_tls: true checks the broker's certificate against the
    # system CAs, a path against that CA bundle; false is an explicit opt-out (logged at start).
    tls: bool = False
    verify_tls: bool | Path = True
    client_id: str = Field("homelake-ingester", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # "5": clean start off + session expiry (shared subscriptions need a v5 broker);
    # "3.1.1": clean session off, for brokers without v5 (e.g. the embedded demo broker).
    protocol: Literal["5", "3.1.1"] = "5"
    session_expiry_s: int = Field(7 * 24 * 3600, ge=60)
    keepalive_s: int = Field(60, ge=5)
    shared_group: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]+$")
    topics: list[TopicRoute] = Field(default_factory=lambda: list(DEFAULT_TOPICS))
    batch_max_messages: int = Field(5000, ge=1, le=65535)
    batch_max_age_s: float = Field(1.0, gt=0)
    queue_max: int = Field(20000, ge=100)
    # Parse in a second process fed with each durable archive batch (acknowledged once both are written),
    # beside the MQTT client instead of sharing its GIL. Off by default: with homelake's own subscriber one
    # process drains as fast on less CPU (docs/performance.md); worth it for parsers much heavier than Shelly's.
    parse_process: bool = False
    # /metrics and /healthz on loopback by default (`metrics: null` turns it off); `ingest` warns and goes on
    # without it when the port is taken.
    metrics: MetricsEndpoint | None = MetricsEndpoint()

    @field_validator("verify_tls")
    @classmethod
    def _ca_exists(cls, value: bool | Path) -> bool | Path:
        if isinstance(value, Path) and not value.is_file():
            raise ValueError(f"CA bundle {value} is not a readable file")
        return value

    @model_validator(mode="after")
    def _verify_needs_tls(self) -> MqttConfig:
        if self.verify_tls is not True and not self.tls:
            raise ValueError("verify_tls only applies with tls: true")
        return self

    def tls_context(self) -> ssl.SSLContext | None:
        """The client TLS context, or None for plain TCP."""
        if not self.tls:
            return None
        if self.verify_tls is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if isinstance(self.verify_tls, Path):
            return ssl.create_default_context(cafile=str(self.verify_tls))
        return ssl.create_default_context()

    def subscriptions(self) -> list[str]:
        """Topic filters as subscribed: with a shared group, `$share/<group>/<filter>` for scale-out."""
        if self.shared_group:
            return [f"$share/{self.shared_group}/{t.filter}" for t in self.topics]
        return [t.filter for t in self.topics]
