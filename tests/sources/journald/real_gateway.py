"""Debian's real systemd-journal-gatewayd serving a journal file built from simulated entries (test helper)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from homelake.sim.model.cluster_journal import JournalEntry
from homelake.sources.journald.simulator.export import entry_export

REMOTE = "/lib/systemd/systemd-journal-remote"
GATEWAYD = "/lib/systemd/systemd-journal-gatewayd"
ACTIVATE = "/usr/bin/systemd-socket-activate"


def missing_tools() -> list[str]:
    return [tool for tool in (REMOTE, GATEWAYD, ACTIVATE) if not Path(tool).exists()]


def write_journal(entries: list[JournalEntry], folder: Path, name: str) -> Path:
    """A real journal file from the entries: export format in, `systemd-journal-remote --output=` out."""
    export = folder / f"{name}.export"
    export.write_bytes(b"".join(entry_export(e) for e in entries))
    journal = folder / f"{name}.journal"
    subprocess.run([REMOTE, f"--output={journal}", str(export)], check=True, capture_output=True, timeout=60)  # noqa: S603
    return journal


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RealGateway:
    """`systemd-socket-activate -l 127.0.0.1:PORT systemd-journal-gatewayd --file=JOURNAL`."""

    def __init__(self, journal: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603  # fixed binaries, our own arguments
            [ACTIVATE, "-l", f"127.0.0.1:{self.port}", GATEWAYD, f"--file={journal}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("systemd-journal-gatewayd did not start listening")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self) -> RealGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
