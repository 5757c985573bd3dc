"""Alerts delivered: to a local webhook through Apprise and, retained, to a real Mosquitto; opened once, reminded
at most every renotify_s, closed when the condition clears, and kept in the spool while a target is down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from homelake.alerts.engine import evaluate, state_path
from homelake.alerts.store import AlertStore
from homelake.settings import Settings, parse_settings
from homelake.testing.mosquitto import Mosquitto
from tests.alerts.marts import write_marts
from tests.alerts.receiver import WebhookReceiver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
KEY = "collector_failing/shelly/plug-1"


def failing(since: datetime) -> dict[str, list[dict[str, Any]]]:
    return {
        "device_expectations": [{
            "device": "shelly/plug-1", "family": "shelly", "device_id": "plug-1", "kind": "shelly",
            "last_seen_at": since - timedelta(minutes=5), "failing_since": since, "expected_every_s": 300.0,
            "last_error": "ShellyConnectError: cannot connect to http://127.88.0.9", "is_poll_failing": True,
            "is_failing": True,
        }],
        "collector_targets": [{"source_family": "shelly", "target": "plug-1", "is_failing": True}],
    }  # fmt: skip


def retained(port: int, prefix: str = "homelake/alerts/#") -> dict[str, dict[str, Any]]:
    """Every retained alert state on the broker: subscribe, take what comes at once, leave."""
    got: dict[str, dict[str, Any]] = {}
    done = threading.Event()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="test-reader")
    client.on_message = lambda _c, _u, msg: got.__setitem__(msg.topic, json.loads(msg.payload)) if msg.payload else None
    client.on_subscribe = lambda *_: done.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(prefix, qos=1)
    done.wait(5)
    threading.Event().wait(0.3)  # retained messages follow the SUBACK at once
    client.disconnect()
    client.loop_stop()
    return got


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Settings, WebhookReceiver, Mosquitto]]:
    with WebhookReceiver() as hook, Mosquitto(tmp_path / "broker") as broker:
        settings = parse_settings(
            {
                "lake": {"root": "lake"},
                "warehouse": {"path": "warehouse/homelake.duckdb"},
                "mqtt": {"port": broker.port},
                "alerts": {"targets": [{"url": hook.url("json"), "name": "hook"}], "renotify_s": 3600,
                           "rules": {"disk_used_pct": 100}},
            },
            base=tmp_path,
        )  # fmt: skip
        settings.lake.root.mkdir(parents=True)
        settings.warehouse.path.parent.mkdir(parents=True)
        yield settings, hook, broker


def test_an_alert_opens_once_reminds_at_the_interval_and_closes(
    site: tuple[Settings, WebhookReceiver, Mosquitto],
) -> None:
    settings, hook, broker = site
    write_marts(settings.warehouse.path, failing(T0 - timedelta(minutes=10)))
    first = evaluate(settings, clock=lambda: T0)
    assert first is not None and first.opened == [KEY] and first.sent == 2 and first.pending == 0
    assert len(hook.posts) == 1
    assert hook.posts[0]["title"] == "Collector failing: shelly/plug-1"
    assert "cannot connect to http://127.88.0.9" in hook.posts[0]["message"]
    assert "Open since 2026-11-03 09:00 UTC" in hook.posts[0]["message"]
    state = retained(broker.port)[f"homelake/alerts/{KEY}"]
    assert state["state"] == "open" and state["opened_at"] == T0.isoformat() and state["closed_at"] is None

    for minutes in (30, 59):  # still failing, within the reminder interval: nothing new
        again = evaluate(settings, clock=lambda m=minutes: T0 + timedelta(minutes=m))
        assert again is not None and again.opened == [] and again.reminded == [] and again.sent == 0
    assert len(hook.posts) == 1
    reminder = evaluate(settings, clock=lambda: T0 + timedelta(minutes=61))
    assert reminder is not None and reminder.reminded == [KEY]
    assert len(hook.posts) == 2 and "Still open since 2026-11-03 09:00 UTC" in hook.posts[1]["message"]

    write_marts(settings.warehouse.path, {})  # the device answers again
    closing = evaluate(settings, clock=lambda: T0 + timedelta(minutes=90))
    assert closing is not None and closing.closed == [KEY] and closing.open_count == 0
    assert hook.posts[2]["title"] == "Resolved: Collector failing: shelly/plug-1"
    assert "closed 2026-11-03 10:30 UTC" in hook.posts[2]["message"]
    state = retained(broker.port)[f"homelake/alerts/{KEY}"]
    assert state["state"] == "closed" and state["closed_at"] == (T0 + timedelta(minutes=90)).isoformat()
    with AlertStore(state_path(settings)) as store:
        [alert] = store.history()
    assert (alert.opened_at, alert.closed_at, alert.notify_count) == (T0, T0 + timedelta(minutes=90), 2)


def test_a_notification_that_cannot_be_sent_waits_in_the_spool(
    site: tuple[Settings, WebhookReceiver, Mosquitto],
) -> None:
    settings, hook, broker = site
    write_marts(settings.warehouse.path, failing(T0 - timedelta(minutes=10)))
    hook.refusing = True  # the service is down (the internet, say); MQTT is local and still works
    down = evaluate(settings, clock=lambda: T0)
    assert down is not None and down.opened == [KEY] and down.sent == 1 and down.pending == 1
    assert hook.posts == [] and retained(broker.port)[f"homelake/alerts/{KEY}"]["state"] == "open"
    still = evaluate(settings, clock=lambda: T0 + timedelta(minutes=5))
    assert still is not None and still.pending == 1 and still.opened == []

    hook.refusing = False
    back = evaluate(settings, clock=lambda: T0 + timedelta(minutes=20))
    assert back is not None and back.sent == 1 and back.pending == 0
    [post] = hook.posts
    assert post["message"].startswith("(Sent late: queued 2026-11-03 09:00 UTC")
    assert "Open since 2026-11-03 09:00 UTC" in post["message"]
    assert evaluate(settings, clock=lambda: T0 + timedelta(minutes=25)) is not None
    assert len(hook.posts) == 1  # delivered exactly once


def test_a_target_url_can_be_a_secret_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookReceiver() as hook:
        monkeypatch.setenv("HOMELAKE_TEST_HOOK", hook.url("json"))
        settings = parse_settings(
            {"warehouse": {"path": "wh.duckdb"}, "lake": {"root": "."},
             "alerts": {"targets": [{"url": {"env": "HOMELAKE_TEST_HOOK"}}], "rules": {"disk_used_pct": 100}}},
            base=tmp_path,
        )  # fmt: skip
        write_marts(settings.warehouse.path, failing(T0))
        report = evaluate(settings, clock=lambda: T0)
        assert report is not None and report.sent == 1 and len(hook.posts) == 1
