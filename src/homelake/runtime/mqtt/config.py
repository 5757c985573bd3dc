"""Configuration of the MQTT ingester: broker, session, topics, batching, metrics endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from homelake.secrets import SecretRef

ParserName = Literal["shelly", "zigbee", "archive"]


class TopicRoute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: str = Field(min_length=1)
    parser: ParserName


DEFAULT_TOPICS = [
    TopicRoute(filter="shellies/#", parser="shelly"),
    TopicRoute(filter="+/events/rpc", parser="shelly"),
    TopicRoute(filter="+/online", parser="shelly"),
    TopicRoute(filter="+/status/+", parser="shelly"),
    TopicRoute(filter="zigbee2mqtt/#", parser="zigbee"),
]


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
    metrics: MetricsEndpoint | None = None

    def subscriptions(self) -> list[str]:
        """Topic filters as subscribed: with a shared group, `$share/<group>/<filter>` for scale-out."""
        if self.shared_group:
            return [f"$share/{self.shared_group}/{t.filter}" for t in self.topics]
        return [t.filter for t in self.topics]
