"""`alerts:` in the site file: where to send (Apprise URLs, MQTT), how often to remind, the rules' thresholds."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homelake.secrets import SecretRef


class AlertTarget(BaseModel):
    """One Apprise URL (`ntfys://ntfy.sh/topic`, `tgram://TOKEN/CHAT`, `json://host/path`, ...). A URL holding
    a token is given by reference: `url: {env: HOMELAKE_NTFY_URL}` or `{file: secrets/ntfy-url}`."""

    model_config = ConfigDict(extra="forbid")

    url: str | SecretRef
    name: str | None = None  # how the spool and logs name this target (never the URL, which may hold a token)

    @field_validator("url")
    @classmethod
    def _has_scheme(cls, value: str | SecretRef) -> str | SecretRef:
        if isinstance(value, str) and "://" not in value:
            raise ValueError(f"{value!r} is not an Apprise URL (scheme://...), e.g. ntfys://ntfy.sh/my-topic")
        return value


class AlertRules(BaseModel):
    """Thresholds of the built-in rules."""

    model_config = ConfigDict(extra="forbid")

    unknown_device_window_h: float = Field(24.0, gt=0)  # an unknown device seen this recently is an alert
    disk_used_pct: float = Field(90.0, gt=0, le=100)  # the lake's file system at least this full
    # a circuit's last complete hour draws more than factor x its usual (95th percentile) power for that
    # hour of the day plus margin_w, with at least min_baseline_days of history for that hour
    circuit_power_factor: float = Field(3.0, gt=1)
    circuit_power_margin_w: float = Field(100.0, ge=0)
    circuit_baseline_days: int = Field(28, ge=1)
    circuit_min_baseline_days: int = Field(5, ge=1)


class AlertMqtt(BaseModel):
    """Publish each alert's state, retained, on `<topic_prefix>/<key>` through the site's `mqtt:` broker."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    topic_prefix: str = Field("homelake/alerts", pattern=r"^[^#+]+$")
    client_id: str = Field("homelake-alerts", pattern=r"^[A-Za-z0-9_.-]{1,64}$")


class AlertsConfig(BaseModel):
    """`alerts:` in the site file. Evaluated after every `homelake transform`."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    targets: list[AlertTarget] = Field(default_factory=list)
    mqtt: AlertMqtt = AlertMqtt()
    renotify_s: float = Field(6 * 3600.0, ge=0)  # remind of an alert still open at most this often (0: never)
    send_resolved: bool = True  # also notify when an alert closes
    # The state store (open/closed alerts, their history, the spool of unsent notifications); default
    # `alerts.sqlite` beside the warehouse.
    state_path: Path | None = None
    rules: AlertRules = AlertRules()
