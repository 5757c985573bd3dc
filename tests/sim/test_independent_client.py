"""An independent Shelly client, aioshelly (Home Assistant's library), unmodified, talks to the simulated
devices as to real ones and reads the simulator's truth: Gen1 over HTTP + CoIoT (CoAP), Gen2 over
WebSocket JSON-RPC with digest auth."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from ipaddress import IPv4Address
from typing import Any

import aiohttp
import pytest
from aioshelly.block_device import COAP, BlockDevice
from aioshelly.common import ConnectionOptions
from aioshelly.exceptions import InvalidAuthError
from aioshelly.rpc_device import RpcDevice

from homelake.sim.model.shelly_state import ShellyState
from homelake.sim.model.site import Site
from homelake.sim.servers.websocket import accept_key
from homelake.sources.shelly.gen1.simulator import firmware
from homelake.sources.shelly.gen2.simulator import FW_ID
from homelake.sources.shelly.simulator.fleet import ShellyFleet

PRO4PM, PLUS1PM, PLUG, PASSWORD = "shelly-pro4pm-utility", "shelly-plus1pm-hall", "shelly-plugs-kitchen", "s3cret-pw"
EM = "shelly-em-utility"
AT = timedelta(hours=40, minutes=3)  # a moment when these devices are up and the Pro 4PM has loads on and off


@pytest.fixture(scope="module")
def gen2_fleet(site: Site) -> Iterator[ShellyFleet]:
    now = site.start + AT
    with ShellyFleet(site, clock=lambda: now, port=0, passwords={PRO4PM: PASSWORD}) as fleet:
        yield fleet


@pytest.fixture(scope="module")
def gen1_fleet(site: Site) -> Iterator[ShellyFleet]:
    """Gen1 clients only speak to port 80 (CoAP cannot be port-forwarded), so this fleet binds port 80, and
    UDP 5683 for CoIoT, on loopback addresses of its own (127.89.0.x): another simulated fleet on this machine
    (a demo, another test run) holds 127.88.0.x:5683 and would answer aioshelly's CoAP requests instead."""
    now = site.start + AT
    try:
        fleet = ShellyFleet(
            site,
            clock=lambda: now,
            port=80,
            passwords={PLUG: PASSWORD},
            address_map={"192.168.88.0/24": "127.89.0.0/24"},
        ).start()
    except PermissionError:
        pytest.skip("binding port 80 on loopback needs root (or net.ipv4.ip_unprivileged_port_start <= 80)")
    try:
        unbound = [s.host for s in fleet.servers.values() if s.coap_port is not None and s._coap is None]
        assert not unbound, f"CoIoT port 5683 is taken on {unbound}: another process serves those addresses"
        yield fleet
    finally:
        fleet.stop()


def _host(fleet: ShellyFleet, state: ShellyState, key: str) -> str:
    return fleet.servers[state.device(key).device_id].host


async def _rpc_read(host: str, port: int, mac: str, password: str | None) -> dict[str, Any]:
    """Connect and initialize as Home Assistant does; what aioshelly then knows about the device."""
    options = ConnectionOptions(host, "admin" if password else None, password, device_mac=mac, port=port)
    async with aiohttp.ClientSession() as session:
        device = await RpcDevice.create(session, None, options)
        try:
            await device.initialize()
            return {"model": device.model, "gen": device.gen, "hostname": device.hostname, "mac": device.shelly["mac"],
                    "firmware": device.firmware_version, "supported": device.firmware_supported,
                    "auth": device.requires_auth, "name": device.name, "status": device.status,
                    "config": device.config, "connected": device.connected}  # fmt: skip
        finally:
            await device.shutdown()


@pytest.mark.integration
@pytest.mark.parametrize("key", [PRO4PM, PLUS1PM])
def test_aioshelly_reads_gen2_devices_over_websocket(site: Site, state: ShellyState, gen2_fleet: ShellyFleet,
                                                     key: str) -> None:  # fmt: skip
    dev, t = state.device(key), (site.start + AT).timestamp()
    assert state.offline_mode(dev, t) is None
    password = PASSWORD if key == PRO4PM else None
    seen = asyncio.run(_rpc_read(_host(gen2_fleet, state, key), gen2_fleet.port, dev.mac12, password))
    assert seen["connected"] and seen["supported"]
    assert (seen["model"], seen["gen"], seen["hostname"], seen["mac"]) == (dev.model, 2, dev.device_id, dev.mac12)
    assert seen["firmware"] == FW_ID and seen["auth"] is (password is not None)
    assert seen["name"] == dev.client.metadata.name
    assert seen["config"]["sys"]["device"]["mac"] == dev.mac12
    switches = sorted(k for k in seen["status"] if k.startswith("switch:"))
    assert switches == [f"switch:{ch}" for ch in range(dev.spec.outputs)]
    assert len(switches) == (4 if key == PRO4PM else 1)
    outputs = set()
    for ch in range(dev.spec.outputs):
        switch = seen["status"][f"switch:{ch}"]
        assert switch["output"] is state.output(dev, ch, t)
        assert switch["apower"] == pytest.approx(state.power_w(dev, ch, t), abs=0.05)
        truth_wh = state.loads.energy_wh((dev.device_id, ch), state.boot_at(dev, t), t)
        assert switch["aenergy"]["total"] == pytest.approx(truth_wh, abs=0.001)
        assert switch["aenergy"]["total"] == state.gen2_total_wh(dev, ch, t)
        outputs.add(switch["output"])
    assert seen["status"]["sys"]["uptime"] == state.uptime_s(dev, t)
    if key == PRO4PM:
        assert outputs == {True, False}  # the moment shows both states, so a stuck output would be caught


@pytest.mark.integration
def test_aioshelly_rejects_a_wrong_password_on_gen2(state: ShellyState, gen2_fleet: ShellyFleet) -> None:
    dev = state.device(PRO4PM)
    with pytest.raises(InvalidAuthError):
        asyncio.run(_rpc_read(_host(gen2_fleet, state, PRO4PM), gen2_fleet.port, dev.mac12, "not-the-password"))
    with pytest.raises(InvalidAuthError):  # a client without credentials is refused too
        asyncio.run(_rpc_read(_host(gen2_fleet, state, PRO4PM), gen2_fleet.port, dev.mac12, None))


async def _block_read(host: str, mac: str, password: str | None) -> dict[str, Any]:
    """Gen1 as Home Assistant does it: a CoAP context, HTTP /shelly, /settings, /status, /cit/d, CoAP cit/s."""
    coap = COAP()
    await coap.initialize(0, [IPv4Address("127.0.0.1")])  # any free UDP port; replies come back to it
    try:
        async with aiohttp.ClientSession() as session:
            options = ConnectionOptions(host, "admin" if password else None, password, device_mac=mac)
            device = await BlockDevice.create(session, coap, options)
            try:
                await device.initialize()
                blocks = {(b.type, b.channel): b.current_values() for b in device.blocks}
                return {"model": device.model, "firmware": device.firmware_version, "hostname": device.hostname,
                        "mac": device.shelly["mac"], "gen": device.gen, "supported": device.firmware_supported,
                        "auth": device.requires_auth, "name": device.name, "status": device.status,
                        "blocks": blocks}  # fmt: skip
            finally:
                await device.shutdown()
    finally:
        coap.close()


@pytest.mark.integration
def test_aioshelly_reads_a_gen1_plug_over_http_and_coiot(site: Site, state: ShellyState,
                                                         gen1_fleet: ShellyFleet) -> None:  # fmt: skip
    dev, t = state.device(PLUG), (site.start + AT).timestamp()
    assert state.offline_mode(dev, t) is None
    seen = asyncio.run(_block_read(_host(gen1_fleet, state, PLUG), dev.mac12, PASSWORD))
    assert (seen["model"], seen["gen"], seen["hostname"], seen["mac"]) == ("SHPLG-S", 1, dev.device_id, dev.mac12)
    assert seen["firmware"] == firmware(dev) and seen["supported"] and seen["auth"] is True
    assert seen["name"] == dev.client.metadata.name
    relay, device = seen["blocks"][("relay", "0")], seen["blocks"][("device", None)]
    assert relay["output"] == int(state.output(dev, 0, t))
    assert relay["power"] == pytest.approx(state.power_w(dev, 0, t), abs=0.005)
    truth_wmin = 60 * state.loads.energy_wh((dev.device_id, 0), state.boot_at(dev, t), t)
    assert relay["energy"] == state.gen1_total_wmin(dev, 0, t) and abs(relay["energy"] - truth_wmin) < 1
    assert device["deviceTemp"] == state.device_temperature_c(dev, t)
    meter = seen["status"]["meters"][0]  # the HTTP /status aioshelly read agrees with CoIoT
    assert (meter["power"], meter["total"]) == (relay["power"], relay["energy"])
    assert seen["status"]["relays"][0]["ison"] is bool(relay["output"])


@pytest.mark.integration
def test_aioshelly_reads_the_gen1_em_over_http_and_coiot(site: Site, state: ShellyState,
                                                         gen1_fleet: ShellyFleet) -> None:  # fmt: skip
    """The EM on the power system: aioshelly reads its `/status` `emeters[]` and CoIoT emeter blocks as the power
    model's truth (generator clamp, inverter-output clamp), the totals in Wh."""
    dev, t = state.device(EM), (site.start + AT).timestamp()
    assert state.offline_mode(dev, t) is None
    seen = asyncio.run(_block_read(_host(gen1_fleet, state, EM), dev.mac12, None))
    assert (seen["model"], seen["gen"], seen["hostname"], seen["mac"]) == ("SHEM", 1, dev.device_id, dev.mac12)
    assert seen["supported"] and seen["auth"] is False and seen["name"] == dev.client.metadata.name
    cell = state.power.cell(t)
    truth = {0: cell.generator_w, 1: cell.load_w}
    assert truth[1] > 0
    for ch, emeter in enumerate(seen["status"]["emeters"]):
        block = seen["blocks"][("emeter", str(ch))]
        assert emeter["power"] == pytest.approx(truth[ch], abs=0.005) and block["power"] == emeter["power"]
        assert emeter["total"] == state.em_total_wh(dev, ch, t) == block["energy"]
        assert emeter["total_returned"] == 0 == block["energyReturned"]
        assert emeter["voltage"] == block["voltage"] == state.em_voltage_v(dev, t)
    assert len(seen["status"]["emeters"]) == 2 and seen["status"]["relays"][0]["ison"] is False


@pytest.mark.integration
def test_aioshelly_rejects_a_wrong_password_on_gen1(state: ShellyState, gen1_fleet: ShellyFleet) -> None:
    dev = state.device(PLUG)
    with pytest.raises(InvalidAuthError):
        asyncio.run(_block_read(_host(gen1_fleet, state, PLUG), dev.mac12, "not-the-password"))


def _masked(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + mask + body


@pytest.mark.integration
def test_the_websocket_answers_pings_fragments_and_close(state: ShellyState, gen2_fleet: ShellyFleet) -> None:
    host, dev = _host(gen2_fleet, state, PLUS1PM), state.device(PLUS1PM)
    with socket.create_connection((host, gen2_fleet.port), timeout=5) as sock:
        key = base64.b64encode(b"0123456789abcdef").decode()
        sock.sendall(f"GET /rpc HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())  # fmt: skip
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"HTTP/1.1 101")
        headers = iter(reader.readline, b"\r\n")
        assert f"Sec-WebSocket-Accept: {accept_key(key)}\r\n".encode() in list(headers)
        assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 section 1.3
        frame = json.dumps({"id": 3, "src": "raw", "method": "Shelly.GetDeviceInfo"}).encode()
        sock.sendall(_masked(0x9, b"hi") + _masked(0x1, frame[:10], fin=False) + _masked(0x0, frame[10:]))
        assert reader.read(4) == b"\x8a\x02hi"  # the pong comes first
        first, length = reader.read(2)
        reply = json.loads(reader.read(length if length < 126 else int.from_bytes(reader.read(2), "big")))
        assert first == 0x81 and reply["id"] == 3 and reply["dst"] == "raw" and reply["result"]["id"] == dev.device_id
        sock.sendall(_masked(0x8, b"\x03\xe8"))
        assert reader.read(4) == b"\x88\x02\x03\xe8" and reader.read(1) == b""
