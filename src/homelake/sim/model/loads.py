"""The site's electrical load model and its exact energy ground truth.

Every metered Shelly channel feeds one circuit with one load (shelly_devices.CIRCUITS). Power is piecewise
constant on a 10 s grid aligned to the Unix epoch (0.1 W resolution, so a cell's energy is an exact
number of joules); `energy_wh` is the exact integral, partial cells included. A rebooting device's
relays are off for REBOOT_DOWN_S, so what the counters sum up is exactly the truth. The Bulb meters
power only (no counter), so it is in `circuit_rows` but not in the energy truth. The EM's channels measure
the power system (sim/model/power.py), not a load: they are in `circuit_rows` with their own `kind`
(shelly_devices.METER_POINTS) and in no load truth here.
"""

from __future__ import annotations

import csv
import math
import threading
import weakref
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from homelake.sim.model import weather
from homelake.sim.model.cluster import NODES, cluster_for
from homelake.sim.model.load_profiles import LOADS, Interval
from homelake.sim.model.occupancy import occupancy
from homelake.sim.model.presence import local_epoch
from homelake.sim.model.shelly_devices import (
    CELL_S,
    CIRCUITS,
    EM_ROOM,
    METER_POINTS,
    REBOOT_DOWN_S,
    Schedule,
    ShellyDevice,
    shelly_devices,
)
from homelake.sim.model.site import Site

CELLS = int(3600 // CELL_S)
BLOCK_CACHE = 8000
RUN_CACHE = 4096
CIRCUIT_COLUMNS = ("mac", "device_id", "channel", "circuit", "room", "load", "kind")
CIRCUIT_KIND = "circuit"  # a room circuit; the EM's channels are `generator` / `inverter_output`


@dataclass(frozen=True)
class Channel:
    """One metered output channel and what it feeds."""

    device: ShellyDevice
    channel: int
    circuit: str
    room: str
    load: str

    @property
    def key(self) -> tuple[str, int]:
        return self.device.device_id, self.channel

    @property
    def has_counter(self) -> bool:
        return self.device.has_counter


ChannelRef = Channel | tuple[str, int]


def _epoch(t: datetime | float) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError(f"time {t.isoformat()} has no timezone")
        return t.timestamp()
    return float(t)


class LoadModel:
    """Loads of one site (the `Env` the load profiles look at) plus cached 10 s power blocks."""

    def __init__(self, site: Site) -> None:
        self.site, self.seed, self.tz = site, site.seed, site.tz
        self.devices = shelly_devices(site)
        self.schedule = Schedule(site, self.devices)
        self.occupancy = occupancy(site)
        self.channels: list[Channel] = []
        for device in self.devices:
            for ch in device.metered:
                circuit, room, load = CIRCUITS[(device.key, ch)]
                self.channels.append(Channel(device, ch, circuit, room, load))
        self._by_key = {k: c for c in self.channels for k in (c.key, (c.device.key, c.channel))}
        self._blocks: OrderedDict[tuple[str, int, int], tuple[array[int], array[int]]] = OrderedDict()
        self._totals: dict[tuple[str, int, int], int] = {}
        self._runs: OrderedDict[tuple[str, int, int], list[int]] = OrderedDict()
        self._outdoor: dict[int, float] = {}
        self._lock = threading.Lock()

    # --- Env for the load profiles ---------------------------------------------------------------
    def outdoor_c(self, t: float) -> float:
        """Outdoor temperature, per whole minute (cached)."""
        minute = int(t // 60)
        found = self._outdoor.get(minute)
        if found is None:
            found = weather.outdoor(self.seed, minute * 60.0, self.site.latitude, self.site.longitude).temperature_c
            if len(self._outdoor) > 100_000:
                self._outdoor.clear()
            self._outdoor[minute] = found
        return found

    def dark(self, t: float) -> bool:
        return weather.is_dark(t, self.site.latitude, self.site.longitude)

    def home(self, name: str, t: float) -> bool:
        return self.occupancy.is_home(name, t)

    def anyone_home(self, t: float) -> bool:
        return bool(self.occupancy.home(t))

    def online(self, client_id: str, t: float) -> bool:
        return self.site.is_online(client_id, datetime.fromtimestamp(t, UTC))

    def movements(self, start: float, end: float) -> list[tuple[float, str, str]]:
        return self.occupancy.movements(start, end)

    def node_power_w(self, plug: str, t: float) -> float:
        """What the k3s node on the Shelly plug `plug` (catalogue id) draws at t; 0 when no node is on it."""
        node = next((n.name for n in NODES if n.plug == plug), None)
        if node is None:
            return 0.0
        return cluster_for(self.site.start, self.seed).power_w(node, datetime.fromtimestamp(t, UTC))

    # --- blocks ---------------------------------------------------------------------------------
    def channel(self, ref: ChannelRef) -> Channel:
        if isinstance(ref, Channel):
            return ref
        try:
            return self._by_key[ref]
        except KeyError:
            raise KeyError(f"no metered channel {ref!r}; known: {sorted(c.key for c in self.channels)}") from None

    def _compute(self, ch: Channel, h: int) -> tuple[array[int], array[int]]:
        load, start = LOADS[ch.load], h * 3600.0
        cells = array("i", [load.standby]) * CELLS
        key = f"{ch.device.key}:{ch.channel}"
        intervals: list[Interval] = load.produce(self, key, h - 1) + load.produce(self, key, h)
        for s, e, power in intervals:
            for i in range(max(0, round((s - start) / CELL_S)), min(CELLS, round((e - start) / CELL_S))):
                cells[i] += power
        for r in self.schedule.reboots(ch.device.key, start - REBOOT_DOWN_S, start + 3600):
            for i in range(
                max(0, round((r - start) / CELL_S)), min(CELLS, round((r + REBOOT_DOWN_S - start) / CELL_S))
            ):
                cells[i] = 0
        return cells, array("q", accumulate(cells, initial=0))

    def _block(self, ch: Channel, h: int) -> tuple[array[int], array[int]]:
        key = (ch.device.device_id, ch.channel, h)
        with self._lock:
            found = self._blocks.get(key)
            if found is not None:
                self._blocks.move_to_end(key)
                return found
        found = self._compute(ch, h)
        with self._lock:
            self._blocks[key] = found
            self._totals[key] = found[1][-1]
            if len(self._blocks) > BLOCK_CACHE:
                self._blocks.popitem(last=False)
        return found

    def _hour_j(self, ch: Channel, h: int) -> int:
        total = self._totals.get((ch.device.device_id, ch.channel, h))
        return total if total is not None else self._block(ch, h)[1][-1]

    # --- truth ----------------------------------------------------------------------------------
    def power_dw(self, ref: ChannelRef, t: datetime | float) -> int:
        ts = _epoch(t)
        h = math.floor(ts / 3600)
        return self._block(self.channel(ref), h)[0][int((ts - h * 3600) // CELL_S)]

    def power_w(self, ref: ChannelRef, t: datetime | float) -> float:
        """Power (W) of a channel at t: constant over each 10 s cell."""
        return self.power_dw(ref, t) / 10

    def energy_j(self, ref: ChannelRef, t0: datetime | float, t1: datetime | float) -> float:
        """Exact energy (J) in [t0, t1): whole hours as exact integer sums, partial cells pro rata."""
        ch, a, b = self.channel(ref), _epoch(t0), _epoch(t1)
        if b <= a:
            return 0.0
        ha, hb = math.floor(a / 3600), math.floor(b / 3600)
        if ha == hb:
            return self._partial(ch, ha, a - ha * 3600, b - hb * 3600)
        return (
            self._partial(ch, ha, a - ha * 3600, 3600)
            + self._hours_j(ch, ha + 1, hb)
            + self._partial(ch, hb, 0, b - hb * 3600)
        )

    def _partial(self, ch: Channel, h: int, lo: float, hi: float) -> float:
        if hi <= lo:
            return 0.0
        if lo == 0 and hi == 3600:
            return float(self._hour_j(ch, h))
        cells, prefix = self._block(ch, h)
        return _cumulative(cells, prefix, hi) - _cumulative(cells, prefix, lo)

    def _hours_j(self, ch: Channel, h0: int, h1: int) -> int:
        """Sum of whole hours [h0, h1), from a cached running sum that starts at h0 (counters reuse it)."""
        if h1 <= h0:
            return 0
        key = (ch.device.device_id, ch.channel, h0)
        with self._lock:
            run = self._runs.get(key)
            if run is not None:
                self._runs.move_to_end(key)
        if run is None:
            run = [0]
        while len(run) <= h1 - h0:
            run.append(run[-1] + self._hour_j(ch, h0 + len(run) - 1))
        with self._lock:
            self._runs[key] = run
            if len(self._runs) > RUN_CACHE:
                self._runs.popitem(last=False)
        return run[h1 - h0]

    def energy_wh(self, ref: ChannelRef, t0: datetime | float, t1: datetime | float) -> float:
        """Exact energy (Wh) a channel's load used in [t0, t1)."""
        return self.energy_j(ref, t0, t1) / 3600

    def truth_energy_by_room_day(
        self, start_local_day: date, end_local_day: date, tz: tzinfo | str | None = None
    ) -> dict[tuple[str, date], float]:
        """Wh per (room, local day) for days in [start_local_day, end_local_day), counter channels only."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz or self.tz
        found: dict[tuple[str, date], float] = {}
        day = start_local_day
        while day < end_local_day:
            a, b = local_epoch(day, 0, zone), local_epoch(day, 1440, zone)
            for ch in self.channels:
                if ch.has_counter:
                    found[(ch.room, day)] = found.get((ch.room, day), 0.0) + self.energy_j(ch, a, b) / 3600
            day += timedelta(days=1)
        return found

    def truth_energy_by_channel_hour(self, start: datetime, end: datetime) -> dict[tuple[str, int, datetime], float]:
        """Wh per (device id, channel, UTC hour start) for whole hours in [start, end), counter channels."""
        found: dict[tuple[str, int, datetime], float] = {}
        for h in range(math.ceil(_epoch(start) / 3600), math.floor(_epoch(end) / 3600)):
            for ch in self.channels:
                if ch.has_counter:
                    found[(*ch.key, datetime.fromtimestamp(h * 3600, UTC))] = self._hour_j(ch, h) / 3600
        return found

    def circuit_rows(self) -> list[dict[str, Any]]:
        """The circuits seed: mac, device_id, channel, circuit, room, load, kind per metered channel; the energy
        meter's channels last, with the kind that keeps them out of room sums and no load."""
        rows = [(c.device.client.mac, c.device.device_id, c.channel, c.circuit, c.room, c.load, CIRCUIT_KIND)
                for c in self.channels]  # fmt: skip
        for device in self.devices:
            for ch in device.emeters:
                circuit, kind = METER_POINTS[(device.key, ch)]
                rows.append((device.client.mac, device.device_id, ch, circuit, EM_ROOM, "", kind))
        return [dict(zip(CIRCUIT_COLUMNS, row, strict=True)) for row in rows]

    def write_circuits_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CIRCUIT_COLUMNS)
            writer.writeheader()
            writer.writerows(self.circuit_rows())
        return path


def _cumulative(cells: array[int], prefix: array[int], x: float) -> float:
    """Energy (J) from the block start to x seconds into it."""
    i = int(x // CELL_S)
    if i >= CELLS:
        return float(prefix[-1])
    return prefix[i] + cells[i] * (x - i * CELL_S) / CELL_S


_MODELS: weakref.WeakKeyDictionary[Site, LoadModel] = weakref.WeakKeyDictionary()
_MODELS_LOCK = threading.Lock()


def load_model(site: Site) -> LoadModel:
    """The (cached) load model of a site."""
    with _MODELS_LOCK:
        found = _MODELS.get(site)
        if found is None:
            found = _MODELS[site] = LoadModel(site)
        return found


def circuit_rows(site: Site) -> list[dict[str, Any]]:
    return load_model(site).circuit_rows()


def write_circuits_csv(site: Site, path: str | Path) -> Path:
    return load_model(site).write_circuits_csv(path)


def truth_energy_by_room_day(
    site: Site, start_local_day: date, end_local_day: date, tz: tzinfo | str | None = None
) -> dict[tuple[str, date], float]:
    return load_model(site).truth_energy_by_room_day(start_local_day, end_local_day, tz)


def truth_energy_by_channel_hour(site: Site, start: datetime, end: datetime) -> dict[tuple[str, int, datetime], float]:
    return load_model(site).truth_energy_by_channel_hour(start, end)
