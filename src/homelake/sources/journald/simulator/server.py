"""A simulated systemd-journal-gatewayd: `GET /entries` (JSON lines or event stream, Range, follow, matches)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from homelake.sim.model.cluster_journal import ClusterJournal, JournalEntry
from homelake.sources.journald.simulator.export import entry_json

FOLLOW_TICK_S = 0.1


class SeekError(ValueError):
    """The Range header names a cursor this journal cannot seek to."""


class GatewaydSim:
    """One node's gateway over the simulated journal. Entries before `retained_from` are rotated away."""

    def __init__(
        self,
        journal: ClusterJournal,
        node: str,
        clock: Callable[[], datetime],
        *,
        host: str = "127.0.0.1",
        retained_from: datetime | None = None,
    ) -> None:
        self.journal, self.node, self.clock, self.host = journal, node, clock, host
        self.retained_from = retained_from or journal.cluster.epoch
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start_after(self, range_header: str | None) -> tuple[datetime, int]:
        """(time to read from, entries with seqnum <= this are skipped) for a `Range: entries=cursor[:skip[:n]]`."""
        spec = (range_header or "").removeprefix("entries=")
        cursor, _, rest = spec.partition(":")
        skip = int(rest.split(":")[0] or 0) if rest else 0
        if not cursor:
            return self.retained_from, 0
        parts = dict(p.split("=", 1) for p in cursor.split(";") if "=" in p)
        series = parts.get("s")
        try:
            seqnum = int(parts["i"], 16)
        except (KeyError, ValueError):
            raise SeekError("Failed to seek in journal.") from None
        if series != self.journal.seqnum_id(self.node) or seqnum < 1:
            raise SeekError("Failed to seek in journal.")
        at = self.journal.time_of_seqnum(self.node, seqnum) or self.clock()
        return max(at, self.retained_from), seqnum - 1 + max(skip, 0)

    def stream(self, start: tuple[datetime, int], follow: bool, matches: list[tuple[str, str]]) -> Iterator[bytes]:
        """The lines `/entries` sends from `start` (see `start_after`); with `follow`, new entries as the simulated
        clock passes them."""
        since, skip_to = start
        first = True
        while True:
            now = self.clock()
            found = self.journal.entries(self.node, since, now)
            if first and skip_to and not any(e.seqnum > skip_to for e in found):
                # as the real gatewayd 252 does: skipping past the tail answers the cursor's own entry
                found = [e for e in found if e.seqnum == skip_to]
                skip_to -= 1
            first = False
            for entry in found:
                if entry.seqnum > skip_to and _matches(entry, matches):
                    yield entry_json(entry)
            since = max(since, now)
            if not follow or self._stopping.is_set():
                return
            time.sleep(FOLLOW_TICK_S)

    def start(self) -> GatewaydSim:
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        return self

    def __enter__(self) -> GatewaydSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            with contextlib.suppress(OSError):
                server.server_close()


def _matches(entry: JournalEntry, matches: list[tuple[str, str]]) -> bool:
    """journalctl's rule: values of one field are alternatives, different fields must all match."""
    wanted: dict[str, set[str]] = {}
    for key, value in matches:
        wanted.setdefault(key, set()).add(value)
    fields = {k: v if isinstance(v, str) else v.decode(errors="replace") for k, v in entry.fields.items()}
    fields["_BOOT_ID"] = entry.boot_id
    return all(fields.get(key) in values for key, values in wanted.items())


def _handler(sim: GatewaydSim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the stream's end is the connection's end

        def log_message(self, format: str, *args: object) -> None:  # stdlib's signature
            return

        def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # stdlib's name
            parts = urlsplit(self.path)
            if parts.path != "/entries":
                self._send(404, b"Not found.\n")
                return
            query = parse_qsl(parts.query, keep_blank_values=True)
            follow = any(key == "follow" for key, _ in query)
            matches = [(k, v) for k, v in query if k not in ("follow", "discrete", "boot") and v]
            sse = "text/event-stream" in (self.headers.get("Accept") or "")
            try:
                start = sim.start_after(self.headers.get("Range"))
            except SeekError as exc:
                self._send(400, f"{exc}\n".encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream" if sse else "application/json")
            self.end_headers()
            self.wfile.flush()
            with contextlib.suppress(OSError):
                for line in sim.stream(start, follow, matches):
                    self.wfile.write(b"data: " + line + b"\n" if sse else line)
                    self.wfile.flush()

    return Handler
