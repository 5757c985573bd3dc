"""A simulated inverter behind a serial-to-TCP bridge: 8851 frames or Modbus RTU frames on a raw TCP socket."""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from homelake.sim.model.power import PowerModel
from homelake.sources.powmr import codec
from homelake.sources.powmr.registers import RegisterMap
from homelake.sources.powmr.simulator.values import inverter_values, words_for

log = logging.getLogger(__name__)
FAULTS = ("garbled", "crc", "drop")  # one reply each: random bytes, a flipped CRC, the bridge closing the socket
ILLEGAL_ADDRESS, ILLEGAL_FUNCTION = 0x02, 0x01
READ_HOLDING, RTU_REQUEST_LEN, MAX_REGISTERS, MBAP_HEADER_LEN = 3, 8, 125, 7


def rtu_reply(request: bytes, slave: int, read: Callable[[int, int], list[int] | None]) -> bytes | None:
    """The RTU answer to one 8-byte request (None: not for us or not a valid frame, so a real slave stays silent)."""
    if len(request) != RTU_REQUEST_LEN or codec.crc16_modbus(request[:6]) != int.from_bytes(request[6:], "little"):
        return None
    unit, function, first, count = struct.unpack(">BBHH", request[:6])
    if unit != slave:
        return None
    values = read(first, count) if function == READ_HOLDING and 1 <= count <= MAX_REGISTERS else None
    if values is None:
        return codec.with_crc(
            bytes([unit, function | 0x80, ILLEGAL_ADDRESS if function == READ_HOLDING else ILLEGAL_FUNCTION])
        )
    return codec.with_crc(struct.pack(f">BBB{count}H", unit, READ_HOLDING, 2 * count, *values))


class InverterSimServer:
    """One inverter on a loopback port. 8851 maps answer the 10-byte state request; Modbus maps answer
    function 3 for the map's slave over RTU framing. `inject(kind)` queues a fault; `outage(True)` makes
    the bridge drop every connection (as a Wi-Fi bridge that lost its link); `fault_code` makes the inverter
    report a fault."""

    def __init__(  # noqa: PLR0913 - keyword-only server options
        self,
        model: PowerModel,
        register_map: RegisterMap,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        framing: str = "rtu",
    ) -> None:
        self.model, self.register_map = model, register_map
        self.framing = framing  # Modbus maps: "rtu" (a raw serial bridge) or "mbap" (a Modbus TCP gateway)
        self.host, self._port = host, port
        self.clock = clock or (lambda: datetime.now(UTC))
        self.faults: deque[str] = deque()
        self.in_outage = False
        self.fault_code: int | None = None  # set: the inverter reports a fault (mode fault, this error code)
        self.requests = 0
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    def inject(self, kind: str, count: int = 1) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        self.faults.extend([kind] * count)

    def outage(self, on: bool) -> None:
        self.in_outage = on

    def _words(self) -> dict[int, int]:
        values = inverter_values(self.model.cell(self.clock()))
        if self.fault_code is not None:
            values |= {"mode": "fault", "fault_code": self.fault_code}
        return words_for(self.register_map, values)

    def _read(self, first: int, count: int) -> list[int] | None:
        words = self._words()
        wanted = range(first, first + count)
        if not any(self.register_map.blocks and a <= r < a + n for r in wanted for a, n in self.register_map.blocks):
            return None
        return [words.get(register, 0) for register in wanted]

    def answer(self, request: bytes) -> bytes | None:
        """The bytes the device sends back for one request (faults applied), or None to stay silent."""
        self.requests += 1
        if self.register_map.protocol == "8851":
            if request != codec.request():
                return None
            words = self._words()
            signed = [(w - 0x10000 if w & 0x8000 else w) for w in (words.get(i, 0) for i in range(codec.STATE_WORDS))]
            reply: bytes | None = codec.encode(signed)
        else:
            reply = rtu_reply(request, self.register_map.slave, self._read)
        fault = self.faults.popleft() if self.faults else None
        if reply is None or fault is None:
            return reply
        if fault == "garbled":
            return bytes((b * 37 + 11) & 0xFF for b in reply)
        if fault == "crc":
            return reply[:-1] + bytes([reply[-1] ^ 0xFF])
        raise ConnectionAbortedError  # drop

    def answer_mbap(self, header: bytes, pdu: bytes) -> bytes | None:
        """A Modbus TCP answer: the gateway turns the MBAP request into an RTU one for the inverter and back."""
        transaction, _protocol, _length, unit = struct.unpack(">HHHB", header)
        reply = self.answer(codec.with_crc(bytes([unit]) + pdu))
        if reply is None:
            return None
        body = reply[1:-2]
        return struct.pack(">HHHB", transaction, 0, len(body) + 1, unit) + body

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        sim = self
        size = 10 if self.register_map.protocol == "8851" else 7 if self.framing == "mbap" else 8

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                while not sim.in_outage:
                    request = b""
                    while len(request) < size:
                        chunk = sock.recv(size - len(request))
                        if not chunk:
                            return
                        request += chunk
                    if sim.in_outage:
                        return
                    try:
                        if size == MBAP_HEADER_LEN:
                            (length,) = struct.unpack_from(">H", request, 4)
                            pdu = b""
                            while len(pdu) < length - 1:
                                chunk = sock.recv(length - 1 - len(pdu))
                                if not chunk:
                                    return
                                pdu += chunk
                            reply = sim.answer_mbap(request, pdu)
                        else:
                            reply = sim.answer(request)
                    except ConnectionAbortedError:
                        return
                    if reply is not None:
                        sock.sendall(reply)

        return Handler

    def start(self) -> InverterSimServer:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer((self.host, self._port), self._handler())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=f"powmr-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
