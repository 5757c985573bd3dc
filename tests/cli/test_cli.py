"""The `homelake` command as a user runs it: clear one-line errors, parse output, collect stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import build_site
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from homelake.testing.clock import ManualClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def homelake(*args: str, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "homelake.cli.app", *args], capture_output=True, text=True, cwd=cwd, timeout=120, **kw
    )  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("site:\n  timezone: Mars/Olympus\n", "site.timezone: unknown time zone 'Mars/Olympus'"),
        ("mikrotik:\n  routers:\n    - name: fw\n      url: http://10.0.0.1\n", "mikrotik.routers[0]: plain http://"),
        (
            "mikrotik:\n  routers:\n    - name: fw\n      url: https://fw\n      pasword: {env: X}\n",
            "mikrotik.routers[0].pasword: unknown key",
        ),
        ("lake: [1, 2\n", "not valid YAML at line"),
        ("collect:\n  interval_s: -5\n", "collect.interval_s: Input should be greater than 0"),
    ],
)
def test_broken_site_file_is_one_clear_line(tmp_path: Path, content: str, expected: str) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(content)
    result = homelake("collect", "-c", str(site))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_secret_names_the_reference_not_a_value(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(
        "mikrotik:\n  routers:\n    - name: fw\n      url: https://fw\n"
        "      password: {env: HOMELAKE_TEST_UNSET_SECRET}\n"
    )
    result = homelake(
        "collect", "-c", str(site), env={k: v for k, v in os.environ.items() if k != "HOMELAKE_TEST_UNSET_SECRET"}
    )
    assert result.returncode == 2 and "HOMELAKE_TEST_UNSET_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_prints_lake_rows_as_json_lines() -> None:
    result = homelake(
        "parse",
        "mikrotik-leases",
        str(FIXTURES / "mikrotik" / "rb4011_7.16.2_dhcp_leases.json"),
        "--observed-at",
        "2026-11-29T10:00:00Z",
        "--tz",
        "Europe/Berlin",
        "--device",
        "fw",
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(r["dataset"] == "mikrotik/dhcp_leases" for r in rows)
    first = rows[0]
    assert first["observed_at"] == "2026-11-29T10:00:00Z" and first["device_id"] == "fw"
    assert all(r["mac"] == r["mac"].lower() for r in rows)
    assert all(v != "" for r in rows for v in r.values())  # absent is null, never ""
    listing = homelake("parse", "--list").stdout
    for kind in ("mikrotik-leases", "mikrotik-wifi", "mikrotik-interfaces", "mikrotik-resource"):
        assert kind in listing


def test_parse_bad_payload_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{".id": "*1"')
    result = homelake("parse", "mikrotik-leases", str(bad))
    assert result.returncode == 2 and "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert homelake("parse", "nonsense-kind", str(bad)).returncode == 2


@pytest.mark.integration
def test_collect_runs_until_sigterm_then_flushes_and_exits_cleanly(tmp_path: Path) -> None:
    site = build_site(7)
    with SimulatedSite(site, families=["mikrotik"], clock=ManualClock(site.start + timedelta(days=1, hours=19))) as sim:
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets", interval_s=1)
        config["lake"]["flush_age_s"] = 3600  # nothing is flushed on age: only the shutdown flush writes
        (tmp_path / "site.yaml").write_text(yaml.safe_dump(config))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "homelake.cli.app",
                "collect",
                "-c",
                str(tmp_path / "site.yaml"),
                "--source",
                "mikrotik",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        started = ""
        while "collecting" not in started:  # the pollers are about to start (slow on a loaded machine)
            line = proc.stderr.readline()
            assert line, f"collect ended before it started polling: {started}"
            started += line
        time.sleep(3)  # a few polls at 1 s
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        err = started + err
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    glob = layout.glob_pattern(tmp_path / "lake", MIKROTIK_DHCP_LEASES)
    assert duckdb.connect().execute(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0] > 0
    glob = layout.glob_pattern(tmp_path / "lake", COLLECTOR_HEALTH)
    targets = duckdb.connect().execute(f"select distinct target from read_parquet('{glob}')").fetchall()
    assert {t for (t,) in targets} == {r.name for r in site.routers}
    for secret in (tmp_path / "secrets").iterdir():
        assert secret.read_text() not in err
