"""A client no one here wrote: pymodbus's own client reads the simulated HVM inverter over a raw RTU-over-TCP
socket (as through an RS232-to-Wi-Fi bridge) and sees the model's truth; our Modbus collector agrees."""

from __future__ import annotations

import asyncio
import os
import select
import threading
import tty
from datetime import UTC, timedelta

import pytest
from pymodbus import FramerType, ModbusException
from pymodbus.client import AsyncModbusTcpClient

from homelake.sim.model.power import power_model
from homelake.sim.model.site import build_site
from homelake.sources.powmr.config import PowmrInverter
from homelake.sources.powmr.registers import load_map
from homelake.sources.powmr.simulator.server import InverterSimServer
from homelake.sources.powmr.target import PowmrTarget
from homelake.testing.clock import ManualClock

pytestmark = pytest.mark.integration


def swapped(word: int) -> int:
    return ((word & 0xFF) << 8) | (word >> 8)


def test_pymodbus_reads_the_hvm_map_with_the_truths_values() -> None:
    model = power_model(build_site(7))
    clock = ManualClock(model.site.start + timedelta(hours=13))
    cell = model.cell(clock.t)
    server = InverterSimServer(model, load_map("hvm_hm"), clock=clock).start()

    async def run() -> None:
        sent: list[bytes] = []

        def trace(sending: bool, data: bytes) -> bytes:
            if sending:
                sent.append(data)
            return data

        client = AsyncModbusTcpClient(
            "127.0.0.1", port=server.port, framer=FramerType.RTU, timeout=1, retries=0, trace_packet=trace
        )
        assert await client.connect()
        try:
            reply = await client.read_holding_registers(4501, count=45, device_id=5)
            assert not reply.isError()
            assert sent[0] == bytes.fromhex("05031195002d9143")  # the request the original dongle sends
            regs = dict(zip(range(4501, 4546), reply.registers, strict=True))
            assert swapped(regs[4505]) == round(cell.pv_w)  # PV power, W
            assert swapped(regs[4507]) == round(cell.soc * 100)  # SoC, %
            assert swapped(regs[4506]) == round((46.0 + 8.0 * cell.soc) * 10)  # battery V x0.1
            assert swapped(regs[4512]) == round(cell.load_w)  # load W
            with pytest.raises(ModbusException, match="No response"):  # another slave id: ours stays silent
                await client.read_holding_registers(4501, count=2, device_id=1)
        finally:
            client.close()
        inverter = PowmrInverter(name="hvm", register_map="hvm_hm", host="127.0.0.1", port=server.port)
        target = PowmrTarget(inverter, local_tz=UTC, interval_s=5, timeout_s=2, max_gap_s=60, clock=clock)
        try:
            outcome = await target.poll()
            assert outcome.errors == []
            row = outcome.results[0].rows[0]
            assert (row["pv_power_w"], row["load_power_w"], row["battery_soc_pct"]) == (
                round(cell.pv_w), round(cell.load_w), round(cell.soc * 100),
            )  # fmt: skip
            assert row["out_of_range"] is None
        finally:
            await target.aclose()

    try:
        asyncio.run(run())
    finally:
        server.stop()


def test_pymodbus_over_modbus_tcp_and_our_modbus_tcp_transport() -> None:
    model = power_model(build_site(7))
    clock = ManualClock(model.site.start + timedelta(hours=13))
    cell = model.cell(clock.t)
    server = InverterSimServer(model, load_map("srne"), clock=clock, framing="mbap").start()

    async def run() -> None:
        client = AsyncModbusTcpClient("127.0.0.1", port=server.port, framer=FramerType.SOCKET, timeout=2, retries=0)
        assert await client.connect()
        try:
            reply = await client.read_holding_registers(0x0100, count=10, device_id=1)
            assert reply.registers[0] == round(cell.soc * 100) and reply.registers[9] == round(cell.pv_w)
        finally:
            client.close()
        inverter = PowmrInverter(name="srne", register_map="srne", transport="modbus_tcp", host="127.0.0.1",
                                 port=server.port)  # fmt: skip
        target = PowmrTarget(inverter, local_tz=UTC, interval_s=5, timeout_s=2, max_gap_s=60, clock=clock)
        try:
            outcome = await target.poll()
            assert outcome.errors == []
            row = outcome.results[0].rows[0]
            assert (row["pv_power_w"], row["load_power_w"], row["battery_soc_pct"]) == (
                round(cell.pv_w), round(cell.load_w), round(cell.soc * 100),
            )  # fmt: skip
            assert row["battery_power_w"] == pytest.approx(cell.battery_w, abs=0.05 * 56 + 0.1)
        finally:
            await target.aclose()

    try:
        asyncio.run(run())
    finally:
        server.stop()


def test_serial_transport_over_a_pseudo_terminal() -> None:
    """A local serial port (a pty here, as a USB-RS232 adapter would be): pymodbus + pyserial, RTU framing."""
    model = power_model(build_site(7))
    clock = ManualClock(model.site.start + timedelta(hours=13))
    cell = model.cell(clock.t)
    inverter_side = InverterSimServer(model, load_map("hvm_hm"), clock=clock)  # used for its answers, not a socket
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def device() -> None:
        buffer = b""
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                buffer += os.read(master, 256)
                while len(buffer) >= 8:  # noqa: PLR2004 - an RTU read request
                    reply = inverter_side.answer(buffer[:8])
                    buffer = buffer[8:]
                    if reply is not None:
                        os.write(master, reply)

    thread = threading.Thread(target=device, daemon=True)
    thread.start()
    inverter = PowmrInverter(name="hvm", register_map="hvm_hm", transport="serial", port=os.ttyname(slave),
                             baudrate=2400)  # fmt: skip
    target = PowmrTarget(inverter, local_tz=UTC, interval_s=5, timeout_s=2, max_gap_s=60, clock=clock)

    async def run() -> dict[str, object]:
        try:
            outcome = await target.poll()
            assert outcome.errors == []
            return outcome.results[0].rows[0]
        finally:
            await target.aclose()

    try:
        row = asyncio.run(run())
    finally:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)
    assert (row["pv_power_w"], row["battery_soc_pct"]) == (round(cell.pv_w), round(cell.soc * 100))
