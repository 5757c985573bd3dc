"""After each build: evaluate the rules, open/remind/close alerts in the state store, queue and send notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from homelake.alerts.deliver import Channel, apprise_channel, flush, mqtt_channel
from homelake.alerts.rules import Condition, RuleInput, evaluate_rules
from homelake.alerts.store import Alert, AlertStore
from homelake.logs import redact
from homelake.settings import Settings
from homelake.warehouse.query import connect_readonly

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EvaluationReport:
    opened: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    open_count: int = 0
    sent: int = 0
    pending: int = 0  # notifications left in the spool for the next evaluation
    skipped_rules: list[str] = field(default_factory=list)
    # every change of this evaluation, as `homelake/alert_events` rows without their origin columns: the alerts'
    # history as data (`homelake transform` lands them in the lake; the `alerts` mart folds them)
    events: list[dict[str, Any]] = field(default_factory=list)
    evaluated_at: datetime | None = None


def _event(alert: Alert, event: str, message: str, closed_at: datetime | None = None) -> dict[str, Any]:
    return {"key": alert.key, "rule": alert.rule, "event": event, "title": alert.title, "message": message,
            "since_at": alert.since_at, "opened_at": alert.opened_at, "closed_at": closed_at}  # fmt: skip


def state_path(settings: Settings) -> Path:
    """The alert state store: `alerts.state_path`, else `alerts.sqlite` beside the warehouse."""
    return settings.alerts.state_path or settings.warehouse.path.parent / "alerts.sqlite"


def channels(settings: Settings) -> list[Channel]:
    """Every Apprise target, and MQTT when the site has a broker and alerts.mqtt is on."""
    cfg = settings.alerts
    found = [apprise_channel(target, index) for index, target in enumerate(cfg.targets)]
    if cfg.mqtt.enabled and settings.mqtt is not None and settings.mqtt.enabled:
        found.append(mqtt_channel(settings.mqtt, cfg.mqtt))
    return found


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if value is not None else "-"


def _payload(alert: Alert, state: str, message: str, closed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "key": alert.key, "rule": alert.rule, "state": state, "title": alert.title, "message": message,
        "since_at": alert.since_at.isoformat() if alert.since_at else None, "opened_at": alert.opened_at.isoformat(),
        "closed_at": closed_at.isoformat() if closed_at else None,
    }  # fmt: skip


def _queue(  # noqa: PLR0913 - one notification's parts
    store: AlertStore, chans: list[Channel], alert: Alert, event: str, now: datetime, message: str, *,
    send_resolved: bool = True,
) -> None:  # fmt: skip
    """One notification per channel; MQTT always gets a close (its retained state must change)."""
    closed = event == "closed"
    title = f"Resolved: {alert.title}" if closed else alert.title
    if closed:
        body = f"{message}\nOpened {_when(alert.opened_at)}, closed {_when(now)}. (alert {alert.key})"
    else:
        still = "Still open" if event == "reminder" else "Open"
        body = f"{message}\n{still} since {_when(alert.opened_at)}. (alert {alert.key})"
    payload = _payload(alert, "closed" if closed else "open", message, now if closed else None)
    for channel in chans:
        if closed and channel.name != "mqtt" and not send_resolved:
            continue
        store.enqueue(alert.id, channel.name, event, title, body, payload, now)
    if not closed:
        store.notified(alert.id, now)


def reconcile(
    store: AlertStore, conditions: list[Condition], chans: list[Channel], *, now: datetime, renotify_s: float,
    skipped_rules: list[str], send_resolved: bool = True,
) -> EvaluationReport:  # fmt: skip
    """Open an alert for each new key, remind of one still open at most every `renotify_s`, close those whose
    condition cleared (not those of a rule that could not run this time)."""
    report = EvaluationReport(skipped_rules=skipped_rules)
    current = {c.key: c for c in conditions}
    open_alerts = store.open_alerts()
    for key, condition in current.items():
        alert = open_alerts.get(key)
        if alert is None:
            alert = store.open(key=key, rule=condition.rule, title=condition.title, message=condition.message,
                               since_at=condition.since_at, at=now)  # fmt: skip
            _queue(store, chans, alert, "opened", now, condition.message)
            report.opened.append(key)
            report.events.append(_event(alert, "opened", condition.message))
            continue
        store.update_message(alert.id, condition.message)
        last = alert.last_notified_at or alert.opened_at
        if renotify_s > 0 and now - last >= timedelta(seconds=renotify_s):
            _queue(store, chans, alert, "reminder", now, condition.message)
            report.reminded.append(key)
            report.events.append(_event(alert, "reminded", condition.message))
    for key, alert in open_alerts.items():
        if key in current or alert.rule in skipped_rules:
            continue
        store.close(alert.id, now)
        _queue(store, chans, alert, "closed", now, alert.message, send_resolved=send_resolved)
        report.closed.append(key)
        report.events.append(_event(alert, "closed", alert.message, closed_at=now))
    report.open_count = len(store.open_alerts())
    return report


def evaluate(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> EvaluationReport | None:
    """Run every rule over the published warehouse and deliver what changed; None when alerts are off."""
    cfg = settings.alerts
    if not cfg.enabled:
        return None
    now = clock()
    chans = channels(settings)
    with AlertStore(state_path(settings)) as store:
        memo = store.recall("rules") or {}
        with connect_readonly(settings.warehouse.path) as con:
            conditions, skipped = evaluate_rules(RuleInput(con, settings.lake.root, cfg.rules, memo))
        store.remember("rules", memo)
        report = reconcile(store, conditions, chans, now=now, renotify_s=cfg.renotify_s, skipped_rules=skipped,
                           send_resolved=cfg.send_resolved)  # fmt: skip
        report.evaluated_at = now
        store.con.commit()  # the queued notifications are durable before any is sent
        report.sent, report.pending = flush(store, chans, now)
    log.info("alerts evaluated open=%d opened=%d reminded=%d closed=%d sent=%d spooled=%d",
             report.open_count, len(report.opened), len(report.reminded), len(report.closed), report.sent,
             report.pending)  # fmt: skip
    return report


def evaluate_after_build(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> EvaluationReport | None:
    """`evaluate`, for the end of `homelake transform`: a problem with alerting is logged in one line and never
    fails the build that was just published (the next build tries again; the spool keeps what was queued)."""
    try:
        return evaluate(settings, clock=clock)
    except Exception as exc:  # noqa: BLE001 - alerting must not undo a published build
        log.warning(
            "alerts not evaluated: %s: %s", type(exc).__name__, redact(str(exc)).splitlines()[0] if str(exc) else ""
        )
        return None


def send_spooled(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> tuple[int, int]:
    """Try the spool now, without evaluating the rules: (sent, still pending)."""
    with AlertStore(state_path(settings)) as store:
        return flush(store, channels(settings), clock())
