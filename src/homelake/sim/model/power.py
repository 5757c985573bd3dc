"""The site's autonomous power system: PV, a 5 kWh battery, a 5.5 kW generator and the load, with exact energy truth.

Pure and deterministic: the state is stepped on a 60 s grid aligned to the epoch from an anchor one local day
before the site's start, so any question (in any order) gets the same answer. Power is constant within a cell;
the truth of a flow over [t0, t1) is the exact integral, partial cells included."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from homelake.sim.model import weather
from homelake.sim.model.loads import load_model
from homelake.sim.model.scenarios import generator_out
from homelake.sim.model.site import Site

CELL_S = 60
PV_KWP = 5.0
PV_DERATE = 0.85  # wiring, temperature, inverter MPPT: the array's performance ratio
BATTERY_WH = 5000.0
SOC_MIN, SOC_MAX = 0.05, 1.0  # below SOC_MIN the inverter sheds the load (a full drain)
CHARGE_EFF = DISCHARGE_EFF = 0.95
INVERTER_EFF = 0.94  # DC -> AC for the load when it is not on bypass
GENERATOR_W = 5500.0
GEN_START_SOC, GEN_STOP_SOC = 0.20, 0.80
CHARGE_MAX_W = 3000.0
UNMETERED_W = 60.0  # router, fridge controller, the inverter's own standby: what no Shelly sees
FUEL_L_PER_KWH = 0.35
CUMULATIVE_FLOWS = ("generator", "load")  # what the site's energy meter measures (cumulative_wh)
FLOWS = ("pv", "load", "metered_load", "battery_charge", "battery_discharge", "generator", "losses", "shed")


@dataclass(frozen=True)
class PowerCell:
    """One 60 s cell: powers in W (constant over it), the SoC at its start, what the inverter is doing."""

    start: float
    pv_w: float
    load_w: float  # what the inverter delivers to its output (0 while shed)
    metered_load_w: float  # the Shelly circuits' share of it
    battery_w: float  # at the terminals, positive charging
    generator_w: float  # the AC input
    losses_w: float  # conversion losses: sources - sinks
    shed_w: float  # load that could not be served (battery empty, no generator)
    soc: float  # 0-1 at the cell's start
    generator_on: bool
    mode: str  # 8851 run-mode name

    def flow_w(self, flow: str) -> float:
        if flow == "battery_charge":
            return max(0.0, self.battery_w)
        if flow == "battery_discharge":
            return max(0.0, -self.battery_w)
        return float(getattr(self, f"{flow}_w"))


class PowerModel:
    """PV from the weather's tilted irradiance, load from the Shelly circuits plus unmetered, SoC dynamics, and a
    generator that starts below GEN_START_SOC and stops above GEN_STOP_SOC unless `generator_off` says it is out."""

    def __init__(self, site: Site, generator_off: tuple[tuple[datetime, datetime], ...] = ()) -> None:
        self.site = site
        self.loads = load_model(site)
        anchor_day = site.start.astimezone(site.tz).date() - timedelta(days=1)
        anchor = datetime(anchor_day.year, anchor_day.month, anchor_day.day, tzinfo=site.tz).timestamp()
        self.anchor = anchor - anchor % CELL_S
        self.generator_off = tuple((a.timestamp(), b.timestamp()) for a, b in generator_off)
        self._cells: list[PowerCell] = []
        # Wh from the anchor to each cell's start, for the flows a meter integrates (CUMULATIVE_FLOWS)
        self._cumulative: dict[str, list[float]] = {flow: [0.0] for flow in CUMULATIVE_FLOWS}
        self._soc, self._gen_on = 0.6, False
        self._lock = threading.Lock()

    def _step(self, start: float) -> PowerCell:
        sky = weather.irradiance(self.site.seed, start + CELL_S / 2, self.site.latitude, self.site.longitude)
        covered = weather.snow_cover(self.site.seed, start + CELL_S / 2)  # snow on the panels
        available = min(PV_KWP * 1000.0, PV_KWP * sky.global_tilted_irradiance * PV_DERATE) * (1 - covered)
        metered = sum(self.loads.energy_j(ch, start, start + CELL_S) for ch in self.loads.channels) / CELL_S
        demand = metered + UNMETERED_W
        soc, gen_on = self._soc, self._gen_on
        out = any(a <= start < b for a, b in self.generator_off)
        gen_on = not out and (soc < GEN_START_SOC or (gen_on and soc < GEN_STOP_SOC))
        room_wh = (SOC_MAX - soc) * BATTERY_WH / CHARGE_EFF
        stored_wh = max(0.0, soc - SOC_MIN) * BATTERY_WH * DISCHARGE_EFF
        hours = CELL_S / 3600.0
        if gen_on:  # bypass: the generator feeds the load and charges; PV tops up the charge
            charge = min(CHARGE_MAX_W, room_wh / hours)
            gen = min(GENERATOR_W, demand + charge)
            pv = min(available, max(0.0, charge - (gen - demand)))
            battery, load, shed, mode = gen - demand + pv, demand, 0.0, "bypass"
        else:
            need_dc = demand / INVERTER_EFF
            pv_direct = min(available, need_dc)
            deficit = need_dc - pv_direct
            discharge = min(deficit, stored_wh / hours)
            if discharge < deficit - 1e-9:  # empty: shed the load, PV charges what it can
                load, shed, pv_direct, discharge = 0.0, demand, 0.0, 0.0
            else:
                load, shed = demand, 0.0
            charge = min(available - pv_direct, CHARGE_MAX_W, room_wh / hours)
            pv = pv_direct + charge
            battery, gen = charge - discharge, 0.0
            mode = "shutdown" if shed else "charge" if battery > 0 else "discharge" if battery < 0 else "normal"
        eff = CHARGE_EFF if battery > 0 else 1 / DISCHARGE_EFF
        pv, load, battery, gen = round(pv, 3), round(load, 3), round(battery, 3), round(gen, 3)
        losses = pv + gen - battery - load  # from the rounded flows, so the books balance exactly
        cell = PowerCell(start, pv, load, round(metered if load else 0.0, 3), battery,
                         gen, losses, round(shed, 3), soc, gen_on, mode)  # fmt: skip
        self._soc = min(SOC_MAX, max(0.0, soc + cell.battery_w * eff * hours / BATTERY_WH))
        self._gen_on = gen_on
        return cell

    def cell(self, t: datetime | float) -> PowerCell:
        ts = t.timestamp() if isinstance(t, datetime) else float(t)
        index = int((ts - self.anchor) // CELL_S)
        if index < 0:
            raise ValueError(f"the power model starts at {datetime.fromtimestamp(self.anchor, UTC).isoformat()}")
        with self._lock:
            while len(self._cells) <= index:
                cell = self._step(self.anchor + len(self._cells) * CELL_S)
                self._cells.append(cell)
                for flow, sums in self._cumulative.items():
                    sums.append(sums[-1] + cell.flow_w(flow) * CELL_S / 3600.0)
            return self._cells[index]

    def cumulative_wh(self, flow: str, t: datetime | float) -> float:
        """Energy (Wh) of `generator` or `load` from the model's anchor to t, in constant time (a meter's counter
        reads this at every poll); 0 before the anchor, where the model has no state."""
        ts = t.timestamp() if isinstance(t, datetime) else float(t)
        if ts <= self.anchor:
            return 0.0
        cell = self.cell(ts)
        index = int((ts - self.anchor) // CELL_S)
        return self._cumulative[flow][index] + cell.flow_w(flow) * (ts - cell.start) / 3600.0

    def energy_wh(self, flow: str, t0: datetime | float, t1: datetime | float) -> float:
        """Exact energy of a flow (one of FLOWS) over [t0, t1)."""
        a = t0.timestamp() if isinstance(t0, datetime) else float(t0)
        b = t1.timestamp() if isinstance(t1, datetime) else float(t1)
        total, t = 0.0, a
        while t < b:
            cell = self.cell(t)
            end = min(b, cell.start + CELL_S)
            total += cell.flow_w(flow) * (end - t)
            t = end
        return total / 3600.0

    def generator_runs(self, t0: datetime, t1: datetime) -> list[tuple[datetime, datetime]]:
        """(start, stop) of every generator run within [t0, t1), cut at the ends."""
        runs: list[tuple[datetime, datetime]] = []
        started: float | None = None
        t = t0.timestamp() - t0.timestamp() % CELL_S
        while t < t1.timestamp():
            on = self.cell(t).generator_on
            if on and started is None:
                started = max(t, t0.timestamp())
            elif not on and started is not None:
                runs.append((datetime.fromtimestamp(started, UTC), datetime.fromtimestamp(t, UTC)))
                started = None
            t += CELL_S
        if started is not None:
            runs.append((datetime.fromtimestamp(started, UTC), t1))
        return runs


_MODELS: weakref.WeakKeyDictionary[Site, PowerModel] = weakref.WeakKeyDictionary()
_MODELS_LOCK = threading.Lock()


def power_model(site: Site) -> PowerModel:
    """The (cached) power model of a site."""
    with _MODELS_LOCK:
        found = _MODELS.get(site)
        if found is None:
            found = _MODELS[site] = PowerModel(site, generator_off=generator_out(site.seed))
        return found
