"""The load model: exact energy integrals, ground truth by room/day and channel/hour, device counters,
fault schedules, weather and climate, all deterministic."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homelake.sim.model import weather
from homelake.sim.model.climate import indoor
from homelake.sim.model.loads import LoadModel, circuit_rows, load_model, truth_energy_by_room_day, write_circuits_csv
from homelake.sim.model.occupancy import truth_door_events, truth_motion_events
from homelake.sim.model.shelly_devices import REBOOT_DOWN_S, Schedule, shelly_devices
from homelake.sim.model.shelly_state import ShellyState
from homelake.sim.model.site import Site, build_site

PRO4PM = "shelly-pro4pm-utility"
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def model(site: Site) -> LoadModel:
    return load_model(site)


def _brute_j(model: LoadModel, channel: object, a: float, b: float) -> float:
    """Energy by walking the 10 s cells one by one."""
    total, t = 0.0, a
    while t < b:
        cell_end = min(b, (math.floor(t / 10) + 1) * 10.0)
        total += model.power_w(channel, t) * (cell_end - t)  # type: ignore[arg-type]
        t = cell_end
    return total


def test_energy_is_the_exact_integral_of_the_10s_power_grid(site: Site, model: LoadModel) -> None:
    t0 = site.start + timedelta(hours=7, seconds=3.5)
    t1 = t0 + timedelta(hours=2, minutes=13, seconds=41.25)
    for channel in model.channels:
        brute = _brute_j(model, channel, t0.timestamp(), t1.timestamp())
        assert model.energy_j(channel, t0, t1) == pytest.approx(brute, rel=1e-12, abs=1e-9)
        middle = t0 + timedelta(minutes=47, seconds=7.7)
        split = model.energy_wh(channel, t0, middle) + model.energy_wh(channel, middle, t1)
        assert split == pytest.approx(model.energy_wh(channel, t0, t1), rel=1e-12)


def test_hourly_daily_and_room_truth_agree(site: Site, model: LoadModel) -> None:
    day = site.start.astimezone(site.tz).date()
    start = datetime.combine(day, datetime.min.time(), site.tz)
    end = start + timedelta(days=2)
    hourly = model.truth_energy_by_channel_hour(start, end)
    assert len(hourly) == 48 * sum(c.has_counter for c in model.channels)
    by_room = truth_energy_by_room_day(site, day, day + timedelta(days=2), "Europe/Berlin")
    for offset in range(2):
        a, b = start + timedelta(days=offset), start + timedelta(days=offset + 1)
        rooms: dict[str, float] = {}
        for channel in (c for c in model.channels if c.has_counter):
            daily = model.energy_wh(channel, a, b)
            hours = sum(wh for (dev, ch, at), wh in hourly.items() if (dev, ch) == channel.key and a <= at < b)
            assert hours == pytest.approx(daily, rel=1e-12)
            rooms[channel.room] = rooms.get(channel.room, 0.0) + daily
        for room, wh in rooms.items():
            assert by_room[(room, a.date())] == pytest.approx(wh, rel=1e-12)
    assert {room for room, _ in by_room} == {c.room for c in model.channels if c.has_counter}
    assert "bedroom" not in {room for room, _ in by_room}  # the Bulb meters power only


def test_loads_are_plausible_over_a_week(site: Site, model: LoadModel) -> None:
    daily = {c.load: model.energy_wh(c, site.start, site.start + WEEK) / 7 for c in model.channels}
    assert all(wh > 0 for wh in daily.values()), daily
    assert 5000 < daily["heat_pump"] < 40000 and 300 < daily["fridge"] < 1500
    assert daily["reading_lamp"] < daily["ceiling_lights"] < daily["heat_pump"]
    heater = model.channel((model.devices[0].device_id, 1))
    samples = {model.power_w(heater, site.start + timedelta(minutes=m)) for m in range(0, 7 * 1440, 7)}
    assert samples == {0.0, 2000.0}  # the water heater's element is on or off


def test_counters_restart_at_reboots_and_never_go_backwards(site: Site, state: ShellyState) -> None:
    dev = state.device(PRO4PM)
    reboots = state.schedule.reboots(dev.key, site.start.timestamp(), (site.start + WEEK).timestamp())
    assert reboots
    r = reboots[0]
    boot = r + REBOOT_DOWN_S
    assert not state.up(dev, r + 5) and state.up(dev, boot)
    assert state.uptime_s(dev, boot) == 0 and state.uptime_s(dev, boot + 100) == 100
    for ch in dev.metered:
        assert state.counter_j(dev, ch, boot) == 0
        assert state.counter_j(dev, ch, r - 1) > 0
        previous = -1.0
        for t in range(int(boot), int(boot + 2 * 86400), 317):
            total = state.gen2_total_wh(dev, ch, t)
            assert total >= previous
            previous = total
        assert state.power_w(dev, ch, r + 10) == 0  # relays are off while it reboots


def test_gen1_counts_watt_minutes(site: Site, state: ShellyState) -> None:
    dev = state.device("shelly-plugs-kitchen")
    for hours in (5, 31, 77):
        t = (site.start + timedelta(hours=hours, seconds=13)).timestamp()
        joules = state.counter_j(dev, 0, t)
        assert state.gen1_total_wmin(dev, 0, t) == int(joules // 60)
        assert state.gen1_total_wmin(dev, 0, t) == pytest.approx(joules / 3600 * 60, abs=1)


def test_by_minute_is_the_energy_of_the_device_minutes(site: Site, state: ShellyState) -> None:
    dev = state.device(PRO4PM)
    constant = 0
    for minutes in range(0, 600, 37):
        t = (site.start + timedelta(minutes=minutes, seconds=21)).timestamp()
        minute_ts = state.minute_ts(dev, t)
        assert minute_ts % 60 == 0 and 0 <= state.device_time(dev, t) - minute_ts < 60
        for ch in dev.metered:
            mwh = state.by_minute_mwh(dev, ch, t)[0]
            end = minute_ts - dev.drift_s  # the device's minute on the true clock
            mean_w = _brute_j(state.loads, (dev.device_id, ch), end - 60, end) / 60
            assert mwh * 60 / 1000 == pytest.approx(mean_w, abs=0.01)
            if len({state.power_w(dev, ch, end - 60 + s) for s in (*range(60), 59.999)}) == 1:
                assert mwh * 60 / 1000 == pytest.approx(state.power_w(dev, ch, end - 30), abs=0.01)
                constant += 1
    assert constant > 5


@pytest.mark.parametrize("offset_h", [0, 29, 77.5, 131, 200, 333])
def test_any_week_has_a_reboot_an_mqtt_outage_and_an_offline_device(
    site: Site, state: ShellyState, offset_h: float
) -> None:
    start = site.start + timedelta(hours=offset_h)
    end = start + WEEK
    metered = {d.key for d in state.devices if d.metered}
    assert {key for key, _ in state.reboots(start, end)} & metered
    inside = lambda w: start <= w.start and w.end <= end  # noqa: E731
    outages = [w for w in state.mqtt_outages(start, end) if inside(w)]
    offline = [w for w in state.offline_windows(start, end) if inside(w)]
    assert any(w.end - w.start >= timedelta(hours=2) for w in outages)
    assert any(w.end - w.start >= timedelta(hours=2) for w in offline)
    for window in offline:
        middle = (window.start + (window.end - window.start) / 2).timestamp()
        assert state.offline_mode(state.device(window.device), middle) == window.mode
    for window in outages:
        dev, middle = state.device(window.device), (window.start + (window.end - window.start) / 2).timestamp()
        assert not state.mqtt_up(dev, middle) and (
            state.up(dev, middle) or not state.site.is_online(dev.client, window.start)
        )


def test_clock_drift_stays_out_of_the_truth(state: ShellyState) -> None:
    drifts = [abs(d.drift_s) for d in state.devices]
    assert all(2 <= d <= 60 for d in drifts) and len(set(drifts)) > 5


def test_determinism_and_seed(site: Site) -> None:
    day = site.start.astimezone(site.tz).date()
    again = build_site(seed=7)
    assert truth_energy_by_room_day(again, day, day + timedelta(days=1)) == truth_energy_by_room_day(
        site, day, day + timedelta(days=1)
    )
    times = [site.start + timedelta(hours=h, seconds=7) for h in (90, 3, 50)]
    forward = [load_model(again).power_w((PRO4PM, 0), t) for t in times]
    assert forward == [load_model(site).power_w((PRO4PM, 0), t) for t in times]
    other = build_site(seed=8)
    assert truth_energy_by_room_day(other, day, day + timedelta(days=1)) != truth_energy_by_room_day(
        site, day, day + timedelta(days=1)
    )


def test_circuits_seed(site: Site, tmp_path: Path) -> None:
    rows = circuit_rows(site)
    assert all(tuple(row) == ("mac", "device_id", "channel", "circuit", "room", "load", "kind") for row in rows)
    pro = [row for row in rows if row["device_id"].startswith("shellypro4pm-")]
    assert [row["channel"] for row in pro] == [0, 1, 2, 3] and len({row["room"] for row in pro}) == 4
    assert {row["kind"] for row in pro} == {"circuit"}
    em = [(row["channel"], row["circuit"], row["kind"]) for row in rows if row["device_id"].startswith("shellyem-")]
    assert em == [(0, "generator", "generator"), (1, "inverter_output", "inverter_output")]
    path = write_circuits_csv(site, tmp_path / "seeds" / "circuits.csv")
    with path.open(newline="") as handle:
        assert list(csv.DictReader(handle)) == [{k: str(v) for k, v in row.items()} for row in rows]


def test_weather_and_climate(site: Site, model: LoadModel) -> None:
    temps = [weather.outdoor(site.seed, site.start + timedelta(hours=h)).temperature_c for h in range(24 * 7)]
    assert -12 < min(temps) < max(temps) < 25 and max(temps) - min(temps) > 4
    summer = weather.outdoor(site.seed, datetime(2025, 7, 15, 13, tzinfo=UTC)).temperature_c
    assert summer > max(temps[:24]) - 2
    assert weather.outdoor(site.seed, site.start) == weather.outdoor(site.seed, site.start)
    heater = model.channel((PRO4PM, 3))
    deltas: dict[bool, list[float]] = {True: [], False: []}
    for h in range(0, 24 * 7):
        t = site.start + timedelta(hours=h)
        heated = model.energy_wh(heater, t - timedelta(hours=1), t) > 700
        deltas[heated].append(indoor(site, "kids_room", t).temperature_c - indoor(site, "living", t).temperature_c)
    mean = {k: sum(v) / len(v) for k, v in deltas.items()}
    assert mean[True] > mean[False] + 1.0  # the space heater warms Mia's room


def test_door_and_motion_truth(site: Site) -> None:
    doors = truth_door_events(site, site.start, site.start + timedelta(days=3))
    assert doors == sorted(doors, key=lambda e: e["t"])
    unlocks = [e for e in doors if e["action"] == "unlock"]
    assert unlocks and {e["user"] for e in unlocks} <= {1, 2, 3} and all(e["source_name"] == "keypad" for e in unlocks)
    assert doors[-1]["state"] == "LOCK"
    motion = truth_motion_events(site, site.start, site.start + timedelta(days=1))
    assert {e["sensor"] for e in motion} == {"shelly-motion-hall", "living_motion", "kitchen_motion"}
    for sensor in ("living_motion", "shelly-motion-hall"):
        states = [e["occupancy"] for e in motion if e["sensor"] == sensor]
        assert states[:2] in ([True, False], [False, True]) and all(
            a != b for a, b in zip(states, states[1:], strict=False)
        )


def test_the_energy_meter_moves_no_other_devices_faults(site: Site, model: LoadModel) -> None:
    """The EM joined the catalogue last and is no candidate for offline windows or MQTT outages; its reboots are
    keyed by its own id. So every other device's reboots, offline windows and MQTT outages are those of the fleet
    without it, over the model's history and two months on, and no load channel is the EM's."""
    devices = shelly_devices(site)
    without = [d for d in devices if not d.emeters]
    (em,) = [d for d in devices if d.emeters]
    assert devices[-1] is em and em.model == "SHEM"
    fleet, before = Schedule(site, devices), Schedule(site, without)
    a, b = site.start.timestamp() - 30 * 86400, site.start.timestamp() + 60 * 86400
    assert fleet.offline_windows(a, b) == before.offline_windows(a, b) != []
    assert fleet.mqtt_outages(a, b) == before.mqtt_outages(a, b) != []
    for device in without:
        assert fleet.reboots(device.key, a, b) == before.reboots(device.key, a, b)
    assert fleet.reboots(em.key, a, b) and not before.reboots(em.key, a, b)
    assert em.device_id not in {c.device.device_id for c in model.channels}
