"""`alerts:` in the site file: defaults, clear errors naming the key, secrets by reference, the state path."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelake.alerts.engine import channels, state_path
from homelake.secrets import SecretError
from homelake.settings import ConfigError, parse_settings


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


def test_a_missing_secret_names_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMELAKE_NO_SUCH_URL", raising=False)
    settings = parse_settings({"alerts": {"targets": [{"url": {"env": "HOMELAKE_NO_SUCH_URL"}}]}})
    with pytest.raises(SecretError, match=r"^alerts\.targets\[0\]\.url: environment variable HOMELAKE_NO_SUCH_URL"):
        channels(settings)
