"""I/O only: read an inverter's words over a serial-to-TCP bridge (8851 or Modbus RTU), Modbus TCP, or serial."""

from __future__ import annotations

import asyncio
import contextlib

from pymodbus import FramerType, ModbusException
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient

from homelake.sources.powmr import codec
from homelake.sources.powmr.config import PowmrInverter
from homelake.sources.powmr.errors import (
    PowmrBadFrame,
    PowmrConnectError,
    PowmrDeviceError,
    PowmrError,
    PowmrTimeout,
)
from homelake.sources.powmr.registers import RegisterMap


class Frame8851Client:
    """One persistent TCP connection to the bridge; a bad frame closes it so the next poll starts in sync."""

    def __init__(self, inverter: PowmrInverter, timeout_s: float) -> None:
        self.inverter, self.timeout_s = inverter, timeout_s
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            try:
                connect = asyncio.open_connection(self.inverter.host, int(self.inverter.port))
                self._streams = await asyncio.wait_for(connect, self.timeout_s)
            except (TimeoutError, OSError) as exc:
                raise PowmrConnectError(self.inverter.name, f"cannot reach the bridge: {exc}") from None
        return self._streams

    async def read_frame(self) -> bytes:
        """Send the state request and return the whole reply frame (raises PowmrError)."""
        reader, writer = await self._open()
        raw = b""
        try:
            writer.write(codec.request())
            await writer.drain()
            raw = await asyncio.wait_for(reader.readexactly(codec.HEADER_LEN), self.timeout_s)
            total = codec.frame_length(raw)
            raw += await asyncio.wait_for(reader.readexactly(total - codec.HEADER_LEN), self.timeout_s)
            codec.decode(raw)
        except codec.FrameError as exc:
            with contextlib.suppress(TimeoutError, OSError):
                raw += await asyncio.wait_for(reader.read(4096), 0.2)  # keep what followed, for the dead letter
            await self.aclose()
            raise PowmrBadFrame(self.inverter.name, str(exc), raw) from None
        except asyncio.IncompleteReadError as exc:
            await self.aclose()
            raise PowmrConnectError(
                self.inverter.name, f"the bridge closed the connection after {len(raw + exc.partial)} bytes"
            ) from None
        except TimeoutError:
            await self.aclose()
            raise PowmrTimeout(self.inverter.name, f"no complete answer within {self.timeout_s:g} s") from None
        except OSError as exc:
            await self.aclose()
            raise PowmrConnectError(self.inverter.name, f"connection lost: {exc}") from None
        return raw

    async def aclose(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)


class ModbusReader:
    """pymodbus over RTU-on-TCP (a raw bridge), Modbus TCP, or a local serial port; reads the map's blocks."""

    def __init__(self, inverter: PowmrInverter, register_map: RegisterMap, timeout_s: float) -> None:
        self.inverter, self.register_map = inverter, register_map
        self.slave = inverter.slave if inverter.slave is not None else register_map.slave
        self.timeout_s = timeout_s
        self._client: AsyncModbusTcpClient | AsyncModbusSerialClient | None = None

    def _make_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        """Made inside the event loop (pymodbus's serial client needs a running one)."""
        inverter, timeout_s = self.inverter, self.timeout_s
        if inverter.transport == "serial":
            return AsyncModbusSerialClient(
                str(inverter.port), framer=FramerType.RTU, baudrate=inverter.baudrate, timeout=timeout_s, retries=0
            )
        framer = FramerType.RTU if inverter.transport == "tcp" else FramerType.SOCKET
        return AsyncModbusTcpClient(
            str(inverter.host), port=int(inverter.port), framer=framer, timeout=timeout_s, retries=0
        )

    async def read_words(self) -> dict[int, int]:
        name = self.inverter.name
        if self._client is None:
            self._client = self._make_client()
        client = self._client
        if not client.connected and not await client.connect():
            raise PowmrConnectError(name, "cannot reach the Modbus bridge or port")
        words: dict[int, int] = {}
        for first, count in self.register_map.blocks:
            try:
                reply = await client.read_holding_registers(first, count=count, device_id=self.slave)
            except ModbusException as exc:
                client.close()
                raise PowmrTimeout(name, f"registers {first}+{count}: {exc}") from None
            if reply.isError():
                raise PowmrDeviceError(name, f"registers {first}+{count}: Modbus exception {reply.exception_code}")
            words.update(zip(range(first, first + count), reply.registers, strict=False))
        return words

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


__all__ = ["Frame8851Client", "ModbusReader", "PowmrError"]
