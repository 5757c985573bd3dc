"""`homelake alerts`: lists open and closed alerts from the state store; `--send` retries the spool now."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homelake.alerts.engine import state_path
from homelake.alerts.store import AlertStore
from homelake.settings import load_settings
from tests.alerts.receiver import WebhookReceiver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_alerts_lists_the_store_and_sends_the_spool(tmp_path: Path) -> None:
    from homelake.cli.app import app

    with WebhookReceiver() as hook:
        site = tmp_path / "site.yaml"
        site.write_text(
            f"warehouse: {{path: wh/homelake.duckdb}}\nalerts:\n  targets: [{{url: '{hook.url()}', name: hook}}]\n"
        )
        runner = CliRunner()
        empty = runner.invoke(app, ["alerts", "-c", str(site)])
        assert empty.exit_code == 0 and "no alerts yet" in empty.output
        with AlertStore(state_path(load_settings(site))) as store:
            gone = store.open(key="lake_disk_full", rule="lake_disk_full", title="Lake disk nearly full",
                              message="95 % full", since_at=None, at=T0)  # fmt: skip
            store.close(gone.id, T0)
            alert = store.open(key="device_silent/zigbee/hall", rule="device_silent", title="Device silent",
                               message="hall sent nothing", since_at=T0, at=T0)  # fmt: skip
            store.enqueue(
                alert.id, "apprise:hook", "opened", "Device silent", "hall sent nothing", {"key": alert.key}, T0
            )
        result = runner.invoke(app, ["alerts", "-c", str(site), "--send"], env={"COLUMNS": "160"}, terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "spool: 1 sent, 0 still waiting" in result.output
    assert "device_silent/zigbee/hall" in result.output and "lake_disk_full" in result.output
    assert "1 open; 0 notifications in the spool" in result.output
    [post] = hook.posts
    assert post["title"] == "Device silent" and post["message"].startswith("(Sent late: queued 2026-11-03 09:00 UTC")
