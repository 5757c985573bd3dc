"""`homelake demo --serve` stopped by SIGTERM (as systemd or `docker stop` do) ends as cleanly as on Ctrl-C:
exit code 0, nothing leaked; on the way it prints the check report of the simulated site."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "homelake.cli.app", "demo", "--days", "0.05", "--live", "2", "--serve"]
        + ["--port", str(port), "--workdir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:  # noqa: S310 - loopback
                    assert page.status == 200
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the dashboard never came up: {proc.poll()=}")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "leaked" not in err and "Traceback" not in err, err
    assert "OK   mikrotik fw" in out and " failed" in out  # the check report, after the simulators started
