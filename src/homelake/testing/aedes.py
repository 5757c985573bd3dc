"""A private aedes broker (Node.js) on a loopback port: the second, independent broker of the MQTT interop tests."""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Literal

# The npm project (package.json + package-lock.json + broker.mjs); `scripts/ensure-tools` runs `npm ci` there.
AEDES_PROJECT = Path(__file__).resolve().parents[3] / "tests" / "brokers" / "aedes"


def aedes_missing(project: Path = AEDES_PROJECT) -> str | None:
    """Why the aedes broker cannot start here (one line saying what to run), or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed: run scripts/ensure-tools (apt-get install nodejs npm)"
    if not (project / "node_modules" / "aedes" / "package.json").is_file():
        return f"aedes is not installed in {project}: run scripts/ensure-tools (npm ci there)"
    return None


class Aedes:
    """`with Aedes() as broker:` → broker.port, the same shape as `Mosquitto`.

    aedes 1.x speaks MQTT 3.1 and 3.1.1 only, and keeps sessions in memory: a persistent session survives a
    client's reconnect but not `restart()`, which brings the broker back on the same port with no sessions.
    """

    name = "aedes"
    protocols: tuple[Literal["5", "3.1.1"], ...] = ("3.1.1",)

    def __init__(
        self,
        workdir: Path | None = None,
        port: int | None = None,
        *,
        users: dict[str, str] | None = None,
        project: Path = AEDES_PROJECT,
    ) -> None:
        missing = aedes_missing(project)
        if missing is not None:
            raise RuntimeError(missing)
        if users is not None and len(users) != 1:
            raise ValueError("the aedes test broker takes exactly one user")
        self.node = shutil.which("node") or "node"
        self.project = project
        self.host = "127.0.0.1"
        self.port = port or 0  # 0 until the first start: the broker binds a free port itself and says which
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="homelake-aedes-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "aedes.log"
        self._env = dict(os.environ)
        if users:
            ((user, password),) = users.items()
            # through the environment, not argv, where any `ps` would show the password
            self._env |= {"HOMELAKE_AEDES_USERNAME": user, "HOMELAKE_AEDES_PASSWORD": password}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 15.0) -> Aedes:
        deadline = time.monotonic() + timeout_s
        while True:  # a restart on the same port may find it briefly taken: retry until the deadline
            try:
                self._start_once(deadline)
                return self
            except OSError:
                self.stop()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"aedes did not start within {timeout_s:.0f} s; see {self.dir}") from None
                time.sleep(0.1)

    def _start_once(self, deadline: float) -> None:
        with open(self.dir / "aedes.stderr", "ab") as stderr:
            self.proc = subprocess.Popen(
                [self.node, str(self.project / "broker.mjs"), str(self.port), str(self.log)],
                stdin=subprocess.PIPE,  # the broker ends when this pipe closes, so it never outlives us
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=self.project,
                env=self._env,
            )
        assert self.proc.stdout is not None
        line = _read_line(self.proc.stdout, deadline)
        if not line.startswith(b"listening "):
            raise OSError(f"aedes exited at start: {self._stderr_tail()}")
        self.port = int(line.split()[1])
        while True:  # ready means a client can connect, not that the script said so
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _stderr_tail(self) -> str:
        text = (self.dir / "aedes.stderr").read_text(errors="replace").strip()
        return text.splitlines()[-1] if text else "no output"

    def dropped_for_keepalive(self) -> bool:
        """Whether the broker closed a client for silence past 1.5 × its keepalive (from its log)."""
        return self.log.exists() and "keepalive timeout" in self.log.read_text()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Aedes:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_line(stream: IO[bytes], deadline: float) -> bytes:
    """The first line the broker prints, or b"" when it exits or stays silent until the deadline."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            return b""
        return stream.readline()
