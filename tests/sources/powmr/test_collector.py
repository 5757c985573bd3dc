"""The collector against the simulated inverter over real loopback sockets: values equal the truth, faults are
dead letters or errors and the next poll works, energy accrues between polls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest

from homelake.sim.model.power import PowerModel, power_model
from homelake.sim.model.site import build_site
from homelake.sources.powmr.config import PowmrInverter
from homelake.sources.powmr.errors import PowmrBadFrame, PowmrConnectError
from homelake.sources.powmr.registers import load_map
from homelake.sources.powmr.simulator.server import InverterSimServer
from homelake.sources.powmr.target import PowmrTarget
from homelake.testing.clock import ManualClock

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def model() -> PowerModel:
    return power_model(build_site(7))


@pytest.fixture
def clock(model: PowerModel) -> ManualClock:
    return ManualClock(model.site.start + timedelta(hours=12, minutes=3, seconds=7))


@pytest.fixture
def server(model: PowerModel, clock: ManualClock) -> Iterator[InverterSimServer]:
    sim = InverterSimServer(model, load_map("inv8851"), clock=clock).start()
    yield sim
    sim.stop()


def target(server: InverterSimServer, clock: ManualClock, register_map: str = "inv8851") -> PowmrTarget:
    inverter = PowmrInverter(name="inverter", register_map=register_map, host="127.0.0.1", port=server.port,
                             ac_input="generator")  # fmt: skip
    return PowmrTarget(inverter, local_tz=UTC, interval_s=5, timeout_s=2, max_gap_s=60, clock=clock)


def test_a_poll_reads_what_the_model_says(model: PowerModel, server: InverterSimServer, clock: ManualClock) -> None:
    async def run() -> None:
        tgt = target(server, clock)
        try:
            first = await tgt.poll()
            assert first.errors == [] and [r.dataset for r in first.results] == ["powmr/status"]
            row, cell = first.results[0].rows[0], model.cell(clock.t)
            assert row["pv_power_w"] == round(cell.pv_w) and row["load_power_w"] == round(cell.load_w)
            assert row["battery_power_w"] == pytest.approx(cell.battery_w, abs=0.05 * 56 + 1e-9)
            assert row["battery_soc_pct"] == round(cell.soc * 100) and row["observed_at"] == clock.t
            clock.t += timedelta(seconds=5)
            second = await tgt.poll()
            energy = second.results[1].rows[0]
            assert second.results[1].dataset == "powmr/energy" and energy["duration_s"] == 5
            assert energy["pv_wh"] == pytest.approx(
                model.energy_wh("pv", clock.t - timedelta(seconds=5), clock.t), abs=0.01
            )
        finally:
            await tgt.aclose()

    asyncio.run(run())


@pytest.mark.parametrize("fault", ["garbled", "crc"])
def test_a_bad_frame_is_a_dead_letter_and_the_next_poll_works(
    fault: str, server: InverterSimServer, clock: ManualClock
) -> None:
    async def run() -> None:
        tgt = target(server, clock)
        try:
            server.inject(fault)
            bad = await tgt.poll()
            assert bad.results == [] and isinstance(bad.errors[0], PowmrBadFrame)
            ((dataset, reason, raw),) = bad.dead_letters
            assert dataset == "powmr/status" and raw and ("CRC error" in reason or "8851" in reason)
            assert tgt.is_transient(bad.errors[0])
            clock.t += timedelta(seconds=5)
            good = await tgt.poll()
            assert good.errors == [] and good.row_count == 1
        finally:
            await tgt.aclose()

    asyncio.run(run())


def test_a_bridge_outage_is_an_error_then_polling_resumes(server: InverterSimServer, clock: ManualClock) -> None:
    async def run() -> None:
        tgt = target(server, clock)
        try:
            assert (await tgt.poll()).row_count == 1
            server.inject("drop")
            dropped = await tgt.poll()
            assert isinstance(dropped.errors[0], PowmrConnectError) and "closed the connection" in str(
                dropped.errors[0]
            )
            server.outage(True)
            clock.t += timedelta(minutes=5)
            assert (await tgt.poll()).errors
            server.outage(False)
            clock.t += timedelta(minutes=5)
            back = await tgt.poll()
            assert back.errors == []
            energy = back.results[1].rows[0]  # the last good poll was 10 minutes ago: not bridged
            assert energy["is_gap"] is True and energy["pv_wh"] is None
        finally:
            await tgt.aclose()

    asyncio.run(run())


def test_an_unreachable_bridge_is_a_clear_error(clock: ManualClock) -> None:
    async def run() -> None:
        inverter = PowmrInverter(name="inverter", host="127.0.0.1", port=9)
        tgt = PowmrTarget(inverter, local_tz=UTC, interval_s=5, timeout_s=1, max_gap_s=60, clock=clock)
        outcome = await tgt.poll()
        assert "powmr inverter: cannot reach the bridge" in str(outcome.errors[0])
        await tgt.aclose()

    asyncio.run(run())


@pytest.mark.parametrize(("register_map", "faults"), [("inv8851", "fault_mode"), ("hvm_hm", "fault_code_7")])
def test_an_inverter_fault_is_decoded_to_a_name(
    register_map: str, faults: str, model: PowerModel, clock: ManualClock
) -> None:
    sim = InverterSimServer(model, load_map(register_map), clock=clock).start()
    sim.fault_code = 7

    async def run() -> None:
        tgt = target(sim, clock, register_map)
        try:
            row = (await tgt.poll()).results[0].rows[0]
            assert row["mode"] == "fault" and row["faults"] == faults
        finally:
            await tgt.aclose()

    try:
        asyncio.run(run())
    finally:
        sim.stop()
