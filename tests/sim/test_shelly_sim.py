"""Simulated Shellies: payloads that the family parsers read back as the truth, and live HTTP devices on
their mapped loopback addresses (auth, offline behaviour, faults, the SimulatedSite config)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.shelly_devices import REBOOT_DOWN_S
from homelake.sim.model.shelly_state import ShellyState, shelly_state
from homelake.sim.model.site import Site
from homelake.sources.base import ParseContext, ParseResult
from homelake.sources.shelly import parse_gen1_status, parse_gen2_status
from homelake.sources.shelly.simulator import render_shelly_info, render_status
from homelake.sources.shelly.simulator.fleet import ShellyFleet, map_address
from homelake.sources.shelly.simulator.history import iter_shelly_http_payloads

PRO4PM, PLUG, PASSWORD = "shelly-pro4pm-utility", "shelly-plugs-kitchen", "s3cret-pw"


def _parse(site: Site, device_id: str, payload: Any, t: datetime) -> list[ParseResult]:
    st = shelly_state(site)
    dev = st.device(device_id)
    ctx = ParseContext("shelly", dev.device_id, "test", t, t, site.tz)
    if dev.gen == 1:
        return parse_gen1_status(payload, ctx, model=dev.model)
    return parse_gen2_status(payload, ctx, device_info=render_shelly_info(site, dev))


def _rows(results: list[ParseResult], dataset: str) -> list[dict[str, Any]]:
    assert all(not r.rejects for r in results), [r.rejects for r in results]
    return [row for r in results if r.dataset == dataset for row in r.rows]


def test_every_device_status_parses_to_the_truth(site: Site, state: ShellyState) -> None:
    seen = set()
    for t, device_id, path, payload in iter_shelly_http_payloads(
        site, site.start, site.start + timedelta(days=1), timedelta(minutes=97)
    ):
        dev = state.device(device_id)
        assert path == ("/status" if dev.gen == 1 else "/rpc/Shelly.GetStatus")
        results = _parse(site, device_id, payload, t)
        (status,) = _rows(results, "shelly/device_status")
        assert status["mac"] == dev.client.mac and status["uptime_s"] == state.uptime_s(dev, t.timestamp())
        for row in _rows(results, "shelly/switch_readings"):
            ch, ts = row["channel"], t.timestamp()
            if ch in dev.metered:
                assert row["power_w"] == pytest.approx(state.power_w(dev, ch, ts), abs=0.05)
            if ch in dev.metered and dev.has_counter:
                truth_wh = state.loads.energy_wh((dev.device_id, ch), state.boot_at(dev, ts), ts)
                assert row["energy_wh"] == pytest.approx(truth_wh, abs=1 / 60 if dev.gen == 1 else 0.001)
                seen.add(dev.gen)
        for row in _rows(results, "shelly/sensor_readings"):
            assert any(row[k] is not None for k in ("temperature_c", "motion"))
    assert seen == {1, 2}


def test_gen1_and_gen2_shapes(site: Site, state: ShellyState) -> None:
    t = site.start + timedelta(hours=30, seconds=7)
    plug = render_status(site, PLUG, t)
    assert isinstance(plug["meters"][0]["total"], int) and len(plug["meters"][0]["counters"]) == 3
    assert plug["unixtime"] == int(t.timestamp() + state.device(PLUG).drift_s)
    pro = render_status(site, PRO4PM, t)
    assert {f"switch:{i}" for i in range(4)} <= set(pro) and pro["sys"]["unixtime"] != int(t.timestamp())
    energy = pro["switch:0"]["aenergy"]
    assert energy["minute_ts"] % 60 == 0 and len(energy["by_minute"]) == 3
    assert render_shelly_info(site, PRO4PM)["gen"] == 2 and "gen" not in render_shelly_info(site, PLUG)
    ht = render_status(site, "shelly-ht-bedroom", t)
    assert set(ht) >= {"tmp", "hum", "bat"} and 14 < ht["tmp"]["tC"] < 28


def test_address_map() -> None:
    assert map_address("192.168.88.23") == "127.88.0.23"
    assert map_address("10.0.0.5") == "10.0.0.5"
    assert map_address("10.1.2.3", {"10.1.0.0/16": "127.50.0.0/16"}) == "127.50.2.3"
    with pytest.raises(ValueError):
        map_address("10.1.2.3", {"10.1.0.0/16": "127.50.0.0/24"})


def test_shelly_leases_are_static_and_map_to_the_servers(site: Site) -> None:
    now = site.start + timedelta(hours=12)
    with ShellyFleet(site, clock=lambda: now, port=0) as fleet:
        for device in fleet.devices():
            lease = site.client_state(site.client(device["mac"]), now).lease
            assert lease is not None and not lease.dynamic and lease.address == device["lan_ip"]
            assert device["url"] == f"http://{map_address(device['lan_ip'])}:{fleet.port}"


def test_http_devices_auth_and_rpc(site: Site) -> None:
    now = site.start + timedelta(hours=40, minutes=3)
    passwords = {PRO4PM: PASSWORD, PLUG: PASSWORD}
    with ShellyFleet(site, clock=lambda: now, port=0, passwords=passwords) as fleet:
        urls = {d["device_id"]: d["url"] for d in fleet.devices()}
        pro, plug = (urls[shelly_state(site).device(k).device_id] for k in (PRO4PM, PLUG))
        assert httpx.get(f"{pro}/shelly").json()["auth_en"] is True  # identity needs no auth
        assert httpx.get(f"{pro}/rpc/Shelly.GetDeviceInfo").status_code == 200
        denied = httpx.get(f"{pro}/rpc/Shelly.GetStatus")
        assert denied.status_code == 401 and "SHA-256" in denied.headers["www-authenticate"]
        ok = httpx.get(f"{pro}/rpc/Shelly.GetStatus", auth=httpx.DigestAuth("admin", PASSWORD))
        assert ok.status_code == 200 and ok.json() == render_status(site, PRO4PM, now)
        wrong = httpx.get(f"{pro}/rpc/Shelly.GetStatus", auth=httpx.DigestAuth("admin", "nope"))
        assert wrong.status_code == 401
        switch = httpx.get(f"{pro}/rpc/Switch.GetStatus?id=2", auth=httpx.DigestAuth("admin", PASSWORD)).json()
        assert switch["id"] == 2 and switch == ok.json()["switch:2"]
        missing = httpx.get(f"{pro}/rpc/Switch.GetStatus?id=9", auth=httpx.DigestAuth("admin", PASSWORD))
        assert missing.status_code == 400 and missing.json()["code"] == -105
        frame = {"id": 7, "src": "collector", "method": "Shelly.GetStatus"}
        reply = httpx.post(f"{pro}/rpc", json=frame, auth=httpx.DigestAuth("admin", PASSWORD)).json()
        device_id = shelly_state(site).device(PRO4PM).device_id
        assert (reply["id"], reply["src"], reply["dst"]) == (7, device_id, "collector")
        assert reply["result"] == ok.json()
        unknown = httpx.get(f"{pro}/rpc/Cover.Open", auth=httpx.DigestAuth("admin", PASSWORD))
        assert unknown.status_code == 404
        assert httpx.get(f"{plug}/shelly").json()["auth"] is True
        assert httpx.get(f"{plug}/status").status_code == 401
        assert httpx.get(f"{plug}/status", auth=("admin", PASSWORD)).json() == render_status(site, PLUG, now)
        assert httpx.get(f"{plug}/settings", auth=("admin", PASSWORD)).json()["device"]["type"] == "SHPLG-S"
        unprotected = urls[shelly_state(site).device("shelly-25-living").device_id]
        assert httpx.get(f"{unprotected}/settings").json()["mode"] == "relay"


def test_faults_on_a_device(site: Site) -> None:
    now = site.start + timedelta(hours=3)
    with ShellyFleet(site, clock=lambda: now, port=0) as fleet:
        url = fleet.devices()[0]["url"]
        armed = httpx.post(f"{url}/_sim/faults", json={"kind": "server_error", "count": 1})
        assert armed.status_code == 200
        assert httpx.get(f"{url}/rpc/Shelly.GetStatus").status_code == 500
        httpx.post(f"{url}/_sim/faults", json={"kind": "malformed_json", "count": 1})
        with pytest.raises(json.JSONDecodeError):
            json.loads(httpx.get(f"{url}/rpc/Shelly.GetStatus").content)
        assert httpx.get(f"{url}/rpc/Shelly.GetStatus").status_code == 200


def test_offline_devices_answer_nothing(site: Site, state: ShellyState) -> None:
    windows = state.offline_windows(site.start, site.start + timedelta(days=14))
    refused = next(w for w in windows if w.mode == "refused")
    timeout = next(w for w in windows if w.mode == "timeout")
    clock = [site.start]
    with ShellyFleet(site, clock=lambda: clock[0], port=0, timeout_delay_s=1.0) as fleet:
        urls = {d["device_id"]: d["url"] for d in fleet.devices()}
        for window in (refused, timeout):
            url = urls[state.device(window.device).device_id]
            clock[0] = window.start - timedelta(minutes=1)
            fleet.tick(clock[0])
            before = httpx.get(f"{url}/shelly", timeout=5)
            assert before.status_code == 200
            clock[0] = window.start + timedelta(minutes=30)
            fleet.tick(clock[0])
            expected = (
                httpx.ConnectError if window.mode == "refused" else (httpx.ReadTimeout, httpx.RemoteProtocolError)
            )
            with pytest.raises(expected):
                httpx.get(f"{url}/shelly", timeout=0.5 if window.mode == "timeout" else 5)
            clock[0] = window.end + timedelta(minutes=1)
            fleet.tick(clock[0])
            after = httpx.get(f"{url}/rpc/Shelly.GetStatus" if "pro" in url or "plus" in url else f"{url}/shelly")
            assert after.status_code == 200


def test_a_rebooting_device_refuses_then_comes_back_with_a_fresh_counter(site: Site, state: ShellyState) -> None:
    dev = state.device(PRO4PM)
    reboot = state.reboots(site.start, site.start + timedelta(days=7))
    at = next(t for key, t in reboot if key == PRO4PM)
    clock = [at + timedelta(seconds=5)]
    with ShellyFleet(site, clock=lambda: clock[0], port=0) as fleet:
        url = next(d["url"] for d in fleet.devices() if d["device_id"] == dev.device_id)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/rpc/Shelly.GetStatus")
        clock[0] = at + timedelta(seconds=40)
        fleet.tick()
        status = httpx.get(f"{url}/rpc/Shelly.GetStatus").json()
        assert status["sys"]["uptime"] == 10
        assert all(status[f"switch:{i}"]["aenergy"]["total"] < 10 for i in range(4))


@pytest.mark.integration
def test_simulated_site_with_the_fleet_writes_the_config(site: Site, tmp_path: Path) -> None:
    at = site.start + timedelta(hours=20)
    passwords = {PLUG: PASSWORD}
    with SimulatedSite(
        site, clock=lambda: at, options={"shelly": {"port": 0, "passwords": passwords}}, tick_s=None
    ) as sim:
        fleet = sim.simulators["shelly"].fleet  # type: ignore[attr-defined]
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets",
                                 metadata_csv=tmp_path / "seeds" / "device_metadata.csv")  # fmt: skip
        shelly = config["shelly"]
        assert shelly["interval_s"] == 30 and shelly["discovery"]["address_map"] == {"192.168.88.0/24": "127.88.0.0/24"}
        assert shelly["discovery"]["port"] == fleet.port and "mqtt" not in config
        (entry,) = shelly["devices"]
        assert Path(entry["password"]["file"]).read_text() == PASSWORD
        assert (tmp_path / "seeds" / "circuits.csv").read_text().startswith("mac,device_id,channel,circuit,room,load")
        url = f"http://127.88.0.64:{fleet.port}/shelly"
        assert httpx.get(url).json()["type"] == "SHSW-25"


def test_the_em_meters_the_power_system_and_keeps_its_totals_across_a_reboot(site: Site, state: ShellyState) -> None:
    """The EM's `/status`, read through the Gen1 parser: channel 0 meters the power model's generator, channel 1 the
    inverter's load. Across its reboot the Wh totals keep counting (an EM stores them) and miss only what passed
    while it was down; the uptime and the MQTT watt-minute `energy` restart."""
    em = state.device("shelly-em-utility")
    start = site.start.timestamp()
    reboot = state.schedule.reboots(em.key, start, start + 14 * 86400)[0]
    before, after = reboot - 6 * 3600, reboot + REBOOT_DOWN_S + 600
    readings = {}
    for t in (before, after):
        at = datetime.fromtimestamp(t, UTC)
        status = render_status(site, em, at)
        assert "meters" not in status and len(status["emeters"]) == 2
        rows = [row for row in _rows(_parse(site, em.device_id, status, at), "shelly/switch_readings")
                if row["component"] == "meter"]  # fmt: skip
        readings[t] = {row["channel"]: row for row in rows}
        (device,) = _rows(_parse(site, em.device_id, status, at), "shelly/device_status")
        assert device["uptime_s"] == state.uptime_s(em, t)
    assert state.uptime_s(em, after) < 700 < state.uptime_s(em, before)
    power = state.power
    for ch, flow in ((0, "generator"), (1, "load")):
        was, now = readings[before][ch], readings[after][ch]
        assert now["power_w"] == pytest.approx(power.cell(after).flow_w(flow), abs=0.005)
        assert now["returned_energy_wh"] == 0 and now["model"] == "SHEM"
        lost = power.energy_wh(flow, reboot, reboot + REBOOT_DOWN_S)
        want = power.energy_wh(flow, before, after) - lost
        assert now["energy_wh"] - was["energy_wh"] == pytest.approx(want, abs=0.11)  # totals have 0.1 Wh steps
        assert now["energy_wh"] >= was["energy_wh"] > 10_000  # a lifetime total, not restarted at the reboot
        assert state.em_metered_wh(em, ch, before, after) == pytest.approx(want, abs=1e-6)
        wmin = state.em_energy_wmin(em, ch, after)  # MQTT `emeter/N/energy` restarted at the boot
        assert wmin == int(power.energy_wh(flow, state.boot_at(em, after), after) * 60)
    assert readings[after][1]["energy_wh"] - readings[before][1]["energy_wh"] > 100  # the load never stops
