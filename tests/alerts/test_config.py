"""`alerts:` in the site file: defaults, clear errors naming the key, secrets by reference, the state path."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homelake.alerts.engine import channels, evaluate, state_path
from homelake.settings import ConfigError, parse_settings
from tests.alerts.marts import write_marts

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_defaults_keep_state_beside_the_warehouse_and_send_nowhere(tmp_path: Path) -> None:
    settings = parse_settings({"warehouse": {"path": "wh/homelake.duckdb"}}, base=tmp_path)
    assert settings.alerts.enabled and settings.alerts.targets == []
    assert state_path(settings) == tmp_path / "wh" / "alerts.sqlite"
    assert channels(settings) == []  # no targets and no broker: alerts are still kept in the state store


def test_mqtt_is_a_channel_when_the_site_has_a_broker(tmp_path: Path) -> None:
    settings = parse_settings({"mqtt": {"port": 1884}, "alerts": {"state_path": "state/a.sqlite"}}, base=tmp_path)
    assert [c.name for c in channels(settings)] == ["mqtt"]
    assert state_path(settings) == tmp_path / "state" / "a.sqlite"
    off = parse_settings({"mqtt": {"port": 1884}, "alerts": {"mqtt": {"enabled": False}}}, base=tmp_path)
    assert channels(off) == []


def test_a_url_without_a_scheme_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings({"alerts": {"targets": [{"url": "ntfy.sh/topic"}]}})
    assert str(err.value) == (
        "site file: alerts.targets[0].url: 'ntfy.sh/topic' is not an Apprise URL (scheme://...), "
        "e.g. ntfys://ntfy.sh/my-topic"
    )


def test_a_missing_secret_keeps_that_targets_notifications_in_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret is read when sending: until it can be, the target's notifications wait in the spool with an
    error naming the key; the other channels are not held up."""
    monkeypatch.delenv("HOMELAKE_NO_SUCH_URL", raising=False)
    settings = parse_settings(
        {"warehouse": {"path": "wh.duckdb"}, "lake": {"root": "."},
         "alerts": {"targets": [{"url": {"env": "HOMELAKE_NO_SUCH_URL"}}], "rules": {"disk_used_pct": 0.001}}},
        base=tmp_path,
    )  # fmt: skip
    write_marts(settings.warehouse.path, {})
    report = evaluate(settings, clock=lambda: T0)
    assert report is not None and report.opened == ["lake_disk_full"] and report.pending == 1
    with sqlite3.connect(state_path(settings)) as con:
        [(error,)] = con.execute("select last_error from outbox where sent_at is null").fetchall()
    assert error == (
        "apprise:targets[0]: alerts.targets[0].url: environment variable HOMELAKE_NO_SUCH_URL is not set; "
        "export it, or point the key at a file with {file: PATH}"
    )
