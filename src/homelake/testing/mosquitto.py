"""A private Mosquitto on a free loopback port with persistence: for tests, benchmarks and the demo's broker."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Literal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )


class Mosquitto:
    """`with Mosquitto() as broker:` → broker.port; `restart()` keeps the persisted sessions and queues."""

    name = "mosquitto"
    protocols: tuple[Literal["5", "3.1.1"], ...] = ("5", "3.1.1")

    def __init__(
        self,
        workdir: Path | None = None,
        port: int | None = None,
        *,
        users: dict[str, str] | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        exe = find_mosquitto()
        if exe is None:
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.exe = exe
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="homelake-mosquitto-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "mosquitto.conf"
        self.log = self.dir / "mosquitto.log"
        auth = "allow_anonymous true\n"
        if users:  # clients must log in: a password file made with mosquitto_passwd
            passwd = self.dir / "passwd"
            passwd.write_text("".join(f"{user}:{password}\n" for user, password in users.items()))
            passwd.chmod(0o600)
            subprocess.run(["mosquitto_passwd", "-U", str(passwd)], check=True, capture_output=True)
            auth = f"allow_anonymous false\npassword_file {passwd}\n"
        listener = f"listener {self.port} 127.0.0.1\n"
        if tls is not None:  # (certificate, key): the listener speaks TLS only
            listener += f"certfile {tls[0]}\nkeyfile {tls[1]}\n"
        self.conf.write_text(
            listener
            # run as root, mosquitto would switch to user 'mosquitto' and could not save to our folder
            + (f"user {getpass.getuser()}\n" if os.geteuid() == 0 else "")
            + auth
            + "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "autosave_interval 1\n"
            "set_tcp_nodelay true\n"
            "max_inflight_messages 0\n"
            "max_queued_messages 0\n"
            "max_queued_bytes 0\n"
            "persistent_client_expiration 1d\n"
            f"log_dest file {self.log}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Mosquitto:
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited at start; see {self.log}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()  # TCP is enough, also for TLS
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within 10 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file on the way out
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def dropped_for_keepalive(self) -> bool:
        """Whether the broker closed a client for silence past 1.5 × its keepalive (from its log)."""
        return self.log.exists() and "exceeded timeout" in self.log.read_text()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
