"""Errors a user meets name the key, the URL or the address to fix; the README's examples are the real text."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k != "HOMELAKE_FW_PASSWORD"}


def homelake(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "homelake.cli.app", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env=env or ENV,
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def readme_errors() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- errors:start -->\n(.*?)<!-- errors:end -->", text, flags=re.S)
    assert block is not None
    return [line for line in block[1].splitlines() if line.startswith("error: ")]


def test_missing_secret_names_the_site_file_key(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "mikrotik:\n  routers:\n    - {name: fw, url: https://fw}\n"
        "    - {name: ap, url: https://ap, password: {env: HOMELAKE_FW_PASSWORD}}\n"
    )
    result = homelake("collect", "-c", "site.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: mikrotik.routers[1].password: environment variable HOMELAKE_FW_PASSWORD")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_unreadable_secret_file_names_the_key_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "mikrotik:\n  routers:\n    - {name: fw, url: https://fw, password: {file: secrets/nope}}\n"
    )
    result = homelake("collect", "-c", "site.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert f"mikrotik.routers[0].password: cannot read secret file {tmp_path / 'secrets' / 'nope'}" in result.stderr


def test_readme_example_errors_are_the_real_text(tmp_path: Path) -> None:
    """Each `error:` line the README shows is what `homelake collect` prints for the mistake it describes."""
    examples = readme_errors()
    assert len(examples) == 2
    http_url = (
        "mikrotik:\n  routers:\n    - {name: fw, url: http://192.168.88.1, password: {env: HOMELAKE_FW_PASSWORD}}\n"
    )
    (tmp_path / "site.yaml").write_text(http_url)
    printed = [homelake("collect", "-c", "site.yaml", cwd=tmp_path).stderr.strip()]
    (tmp_path / "site.yaml").write_text(http_url.replace("http://", "https://"))
    printed.append(homelake("collect", "-c", "site.yaml", cwd=tmp_path).stderr.strip())
    assert printed == examples


@pytest.mark.integration
def test_unreachable_target_names_its_url(tmp_path: Path) -> None:
    port = closed_port()
    (tmp_path / "site.yaml").write_text(
        "collect: {retries: 0, interval_s: 1}\nlogging: {format: text}\n"
        "mikrotik:\n  routers:\n"
        f"    - {{name: fw, url: 'https://127.0.0.1:{port}', password: {{env: HOMELAKE_FW_PASSWORD}}}}\n"
    )
    result = homelake(
        "collect", "-c", "site.yaml", "--duration", "3", cwd=tmp_path, env={**ENV, "HOMELAKE_FW_PASSWORD": "s3cret-pw"}
    )
    assert result.returncode == 0, result.stderr
    assert f"cannot connect to https://127.0.0.1:{port}" in result.stderr
    assert "s3cret-pw" not in result.stderr


@pytest.mark.integration
def test_ingest_without_a_broker_says_it_cannot_connect(tmp_path: Path) -> None:
    port = closed_port()
    (tmp_path / "site.yaml").write_text(
        f"logging: {{format: text}}\nmqtt: {{host: 127.0.0.1, port: {port}, metrics: null}}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "homelake.cli.app", "ingest", "-c", "site.yaml"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "mqtt" in line and str(port) in line and "ingesting" not in line:
            break
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    warning = seen[-1]
    assert f"cannot connect to 127.0.0.1:{port}" in warning, seen
    assert "lost" not in warning
