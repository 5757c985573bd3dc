"""What the simulated Shellies publish over MQTT in a time range (pure; devices.md 2.4 and 2.6).

Gen1: `shellies/<id>/relay|light/<i>` state, `/power`, `/energy` (watt-minutes) and `info` (the `/status`)
every 30 s (an EM: `emeter/<i>/power`, `reactive_power`, `voltage`, `pf`, `energy` and `returned_energy` in
watt-minutes since boot, `total` and `total_returned` in Wh kept across reboots); `online` and
`announce` at (re)connect; H&T `sensor/*` at each wake; Motion `status` on changes. Gen2: `<id>/online`,
`<id>/events/rpc` NotifyFullStatus at (re)connect or wake, NotifyStatus each device minute with the
switches' `aenergy` and `apower` (`params.ts` on the device's drifting clock), NotifyEvent for button
pushes. Offline devices and devices inside an MQTT outage publish nothing; the broker's LWT says false.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from homelake.sim.model import noise
from homelake.sim.model.load_profiles import hall_bursts
from homelake.sim.model.occupancy import occupancy
from homelake.sim.model.shelly_devices import REBOOT_DOWN_S, ShellyDevice
from homelake.sim.model.shelly_state import ShellyState, shelly_state
from homelake.sim.model.site import Site
from homelake.sim.servers.mqtt_publish import Message
from homelake.sources.shelly import ids
from homelake.sources.shelly.gen1.simulator import firmware, power_factor, reactive_var, render_gen1_status
from homelake.sources.shelly.gen2.simulator import current_a, render_gen2_status, switch_status

GEN1_PERIOD_S = 30.0
HALL = "shelly-plus1pm-hall"


def _json(value: object) -> bytes:
    return orjson.dumps(value)


class _Reach:
    """Fast `mqtt_up` for one device over a range: its down spans precomputed once."""

    def __init__(self, st: ShellyState, dev: ShellyDevice, a: float, b: float) -> None:
        self.st, self.dev = st, dev
        windows = st.schedule.offline_windows(a - 8 * 3600, b) + st.schedule.mqtt_outages(a - 8 * 3600, b)
        self.down = [(w.start.timestamp(), w.end.timestamp()) for w in windows if w.device == dev.key]
        self.down += [(r, r + REBOOT_DOWN_S) for r in st.schedule.reboots(dev.key, a - 3600, b)]

    def up(self, t: float) -> bool:
        if any(s <= t < e for s, e in self.down):
            return False
        return self.st.site.is_online(self.dev.client, _utc(t))


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _frame(dev: ShellyDevice, method: str, params: dict[str, object]) -> bytes:
    return _json({"src": dev.device_id, "dst": f"{dev.device_id}/events", "method": method, "params": params})


def _ts(st: ShellyState, dev: ShellyDevice, t: float) -> float:
    return round(st.device_time(dev, t), 2)


def _gen1_connect(st: ShellyState, dev: ShellyDevice, t: float) -> list[Message]:
    base = f"shellies/{dev.device_id}"
    announce = _json({"id": dev.device_id, "model": dev.model, "mac": dev.mac12, "ip": dev.lan_ip,
                      "new_fw": False, "fw_ver": firmware(dev)})  # fmt: skip
    found: list[Message] = [(t, f"{base}/online", b"true", True), (t, f"{base}/announce", announce, False)]
    if dev.model == "SHHT-1":
        ht = st.ht(dev, t)
        found += [(t + 0.1, f"{base}/sensor/temperature", f"{ht.temperature_c:.2f}".encode(), False),
                  (t + 0.1, f"{base}/sensor/humidity", f"{ht.humidity_pct:.1f}".encode(), False),
                  (t + 0.1, f"{base}/sensor/battery", str(ht.battery_pct).encode(), False)]  # fmt: skip
    if dev.model == "SHMOS-01":
        found.append((t + 0.1, f"{base}/status", _motion(st, dev, t), False))
    return found


def _motion(st: ShellyState, dev: ShellyDevice, t: float) -> bytes:
    status = render_gen1_status(st, dev, t)
    sensor, lux, bat = status["sensor"], status["lux"]["value"], status["bat"]["value"]
    return _json({"motion": sensor["motion"], "timestamp": sensor["timestamp"], "active": True,
                  "vibration": False, "lux": lux, "bat": bat})  # fmt: skip


def _gen1_periodic(st: ShellyState, dev: ShellyDevice, t: float) -> list[Message]:
    base, kind = f"shellies/{dev.device_id}", "light" if dev.spec.output_kind == "light" else "relay"
    found: list[Message] = []
    for ch in range(dev.spec.outputs):
        found.append((t, f"{base}/{kind}/{ch}", b"on" if st.output(dev, ch, t) else b"off", False))
        if ch in dev.metered:
            found.append((t, f"{base}/{kind}/{ch}/power", f"{st.power_w(dev, ch, t):.2f}".encode(), False))
        if ch in dev.metered and dev.has_counter:
            found.append((t, f"{base}/{kind}/{ch}/energy", str(st.gen1_total_wmin(dev, ch, t)).encode(), False))
    for ch in dev.emeters:
        found += [(t, f"{base}/emeter/{ch}/{name}", value.encode(), False) for name, value in _emeter(st, dev, ch, t)]
    # the whole `/status` each update period: the only Gen1 payload that says when (`unixtime`, meter `timestamp`)
    found.append((t, f"{base}/info", _json(render_gen1_status(st, dev, t)), False))
    return found


def _emeter(st: ShellyState, dev: ShellyDevice, ch: int, t: float) -> list[tuple[str, str]]:
    """(topic tail, payload) of one EM channel, in the firmware's order (tests/fixtures/shelly/SHEM_*_mqtt.json)."""
    power = round(st.em_power_w(dev, ch, t), 2)
    return [("power", f"{power:.2f}"), ("reactive_power", f"{reactive_var(power):.2f}"),
            ("voltage", f"{st.em_voltage_v(dev, t):.2f}"), ("pf", f"{power_factor(power):.2f}"),
            ("energy", str(st.em_energy_wmin(dev, ch, t))), ("returned_energy", "0"),
            ("total", f"{st.em_total_wh(dev, ch, t):.1f}"),
            ("total_returned", f"{st.em_returned_wh(dev, ch, t):.1f}")]  # fmt: skip


def _gen2_connect(st: ShellyState, dev: ShellyDevice, t: float) -> list[Message]:
    full = {"ts": _ts(st, dev, t)} | render_gen2_status(st, dev, t)
    return [(t, f"{dev.device_id}/online", b"true", True),
            (t + 0.05, f"{dev.device_id}/events/rpc", _frame(dev, "NotifyFullStatus", full), False)]  # fmt: skip


def _gen2_minute(st: ShellyState, dev: ShellyDevice, t: float) -> list[Message]:
    params: dict[str, object] = {"ts": _ts(st, dev, t)}
    minute = st.minute_ts(dev, t)
    for ch in dev.metered:
        power = round(st.power_w(dev, ch, t), 1)
        delta: dict[str, object] = {"id": ch, "apower": power, "current": current_a(st, dev, ch, t, power)}
        delta["aenergy"] = {"total": st.gen2_total_wh(dev, ch, t), "by_minute": st.by_minute_mwh(dev, ch, t),
                            "minute_ts": minute}  # fmt: skip
        output = st.output(dev, ch, t)
        if output != st.output(dev, ch, t - 60):
            delta["output"] = output
        params[f"switch:{ch}"] = delta
    return [(t, f"{dev.device_id}/events/rpc", _frame(dev, "NotifyStatus", params), False)]


def _grid(a: float, b: float, period: float, phase: float) -> list[float]:
    first = math.ceil((a - phase) / period) * period + phase
    return [first + i * period for i in range(max(0, math.ceil((b - first) / period)))]


def _device_messages(st: ShellyState, dev: ShellyDevice, a: float, b: float, connect: bool) -> list[Message]:
    reach = _Reach(st, dev, a, b)
    gen2 = dev.gen >= ids.FIRST_RPC_GEN
    if gen2 and not dev.sleeper:  # every minute of the device's own clock
        period, phase = 60.0, (-dev.drift_s) % 60
    else:
        period, phase = GEN1_PERIOD_S, float(round(noise.uniform(0, 30, st.site.seed, dev.key, "mqtt-phase")))
    on_connect: Callable[[ShellyState, ShellyDevice, float], list[Message]] = _gen2_connect if gen2 else _gen1_connect
    periodic = None if dev.sleeper or dev.model == "SHMOS-01" else (_gen2_minute if gen2 else _gen1_periodic)
    online_topic = f"{dev.device_id}/online" if gen2 else f"shellies/{dev.device_id}/online"
    found: list[Message] = []
    times = _grid(a, b, period, phase)
    was_up = None if not times else (False if connect else reach.up(times[0] - period))
    for t in times:
        up = reach.up(t)
        if up and not was_up:
            found += on_connect(st, dev, t)
        elif was_up and not up:
            found.append((t, online_topic, b"false", True))  # the broker's LWT
        elif up and periodic is not None:
            found += periodic(st, dev, t)
        was_up = up
    if dev.model == "SHMOS-01":
        for s, e in occupancy(st.site).motion_spans(dev.key, a, b):
            found += [(at, f"shellies/{dev.device_id}/status", _motion(st, dev, at), False)
                      for at in (s, e) if a <= at < b and reach.up(at)]  # fmt: skip
    if dev.key == HALL:
        found += _button_pushes(st, dev, a, b, reach)
    return found


def _button_pushes(st: ShellyState, dev: ShellyDevice, a: float, b: float, reach: _Reach) -> list[Message]:
    """The hall light's button: a single_push at each burst's start and end, then the switch change."""
    found: list[Message] = []
    for h in range(math.floor(a / 3600) - 1, math.floor(b / 3600) + 1):
        for edge in (x for burst in hall_bursts(st.loads, f"{dev.key}:0", h) for x in burst):
            if not (a <= edge < b and reach.up(edge)):
                continue
            ts = _ts(st, dev, edge)
            event = {"ts": ts, "events": [{"component": "input:0", "id": 0, "event": "single_push", "ts": ts}]}
            status = switch_status(st, dev, 0, edge)
            change = {"id": 0, "output": status["output"], "source": "button", "apower": status["apower"]}
            notify = _frame(dev, "NotifyStatus", {"ts": round(ts + 0.05, 2), "switch:0": change})
            topic = f"{dev.device_id}/events/rpc"
            found += [(edge, topic, _frame(dev, "NotifyEvent", event), False), (edge + 0.05, topic, notify, False)]
    return found


def shelly_messages(site: Site, start: float, end: float, *, connect: bool = False) -> list[Message]:
    """Every Shelly MQTT message with a time in [start, end), in time order. With `connect`, devices that
    are up at `start` connect there (online, announce / NotifyFullStatus) as after a broker restart."""
    st = shelly_state(site)
    found: list[Message] = []
    for dev in st.devices:
        found += _device_messages(st, dev, start, end, connect)
    return sorted(found, key=lambda m: m[0])
