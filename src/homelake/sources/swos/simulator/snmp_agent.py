"""The simulated switch's SNMP v1/v2c agent on loopback UDP: pysnmp's command responders over a MIB computed at
request time from the switch model and the simulator's clock."""

from __future__ import annotations

import asyncio
import bisect
import logging
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto import rfc1905
from pysnmp.smi.instrum import AbstractMibInstrumController

from homelake.sources.swos.mibs import Oid
from homelake.sources.swos.simulator.snmp_mib import SwitchMib

log = logging.getLogger(__name__)


class _Instrumentation(AbstractMibInstrumController):  # type: ignore[misc]  # pysnmp is untyped
    """GET and GETNEXT over the MIB at the clock's now (GETBULK is GETNEXT repeated by pysnmp's responder)."""

    def __init__(self, snapshot: Callable[[], tuple[list[Oid], list[Any]]]) -> None:
        self.snapshot = snapshot

    def read_variables(self, *var_binds: tuple[Any, object], **context: object) -> list[tuple[Any, Any]]:
        oids, values = self.snapshot()
        answers: list[tuple[Any, Any]] = []
        for name, _ in var_binds:
            i = bisect.bisect_left(oids, tuple(name))
            found = i < len(oids) and oids[i] == tuple(name)
            answers.append((name, values[i] if found else rfc1905.NoSuchInstance("")))
        return answers

    def read_next_variables(self, *var_binds: tuple[Any, object], **context: object) -> list[tuple[Any, Any]]:
        oids, values = self.snapshot()
        answers: list[tuple[Any, Any]] = []
        for name, _ in var_binds:
            i = bisect.bisect_right(oids, tuple(name))
            answers.append((oids[i], values[i]) if i < len(oids) else (name, rfc1905.EndOfMibView("")))
        return answers


class SnmpAgent:
    """The switch's agent on `host`:`port` (0: a free port) answering `community` (v1 and v2c). A wrong
    community gets no answer, as on a real agent. `stop()` and `start()` again keep the port."""

    def __init__(
        self,
        mib: SwitchMib,
        *,
        community: str = "public",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.mib, self.community, self.host, self.port = mib, community, host, port
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lookups = 0  # MIB snapshots asked for (a GETBULK asks once per repetition)
        self._lock = threading.Lock()
        self._cached: tuple[datetime, tuple[list[Oid], list[Any]]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _snapshot(self) -> tuple[list[Oid], list[Any]]:
        """The MIB at the clock's now, computed once per clock second (a walk is many requests)."""
        now = self.clock().replace(microsecond=0)
        with self._lock:
            self.lookups += 1
            if self._cached is None or self._cached[0] != now:
                rows = self.mib.at(now)
                self._cached = (now, ([oid for oid, _ in rows], [value for _, value in rows]))
            return self._cached[1]

    def start(self) -> Self:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        ready, failure = threading.Event(), []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            snmp = None
            try:
                snmp = self._engine(sock)
                self._loop = loop
            except Exception as exc:  # reported to start()'s caller
                failure.append(exc)
                sock.close()
            ready.set()
            if snmp is not None:
                loop.run_forever()
                snmp.close_dispatcher()
                loop.run_until_complete(asyncio.sleep(0.01))  # let the transport close its socket
            loop.close()

        self._thread = threading.Thread(target=serve, name="sim-swos-snmp", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def _engine(self, sock: socket.socket) -> engine.SnmpEngine:
        snmp = engine.SnmpEngine()
        config.add_transport(snmp, udp.DOMAIN_NAME, udp.UdpAsyncioTransport().open_server_mode(sock=sock))
        config.add_v1_system(snmp, "homelake-sim", self.community)
        snmp_context = context.SnmpContext(snmp)
        snmp_context.unregister_context_name(b"")
        snmp_context.register_context_name(b"", _Instrumentation(self._snapshot))
        for responder in (cmdrsp.GetCommandResponder, cmdrsp.NextCommandResponder, cmdrsp.BulkCommandResponder):
            responder(snmp, snmp_context)
        return snmp

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        self._thread = self._loop = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
