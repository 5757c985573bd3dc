"""The power model: the books balance exactly, the generator follows its SoC thresholds, a drain sheds the load."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homelake.sim.model import power
from homelake.sim.model.site import build_site


@pytest.fixture(scope="module")
def model() -> power.PowerModel:
    return power.power_model(build_site(7))


def test_books_balance_every_hour(model: power.PowerModel) -> None:
    start = model.site.start
    for hour in range(0, 24, 3):
        a, b = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
        e = {flow: model.energy_wh(flow, a, b) for flow in power.FLOWS}
        sources = e["pv"] + e["battery_discharge"] + e["generator"]
        assert sources == pytest.approx(e["load"] + e["battery_charge"] + e["losses"], abs=1e-6)
        assert e["metered_load"] <= e["load"] + 1e-9 and e["losses"] >= 0


def test_generator_runs_start_low_and_stop_high(model: power.PowerModel) -> None:
    runs = model.generator_runs(model.site.start, model.site.start + timedelta(days=1))
    assert runs
    for on, off in runs:
        assert model.cell(on).soc < power.GEN_START_SOC + 0.01
        assert model.cell(off).soc >= power.GEN_STOP_SOC - 0.01
        assert model.energy_wh("generator", on, off) > 0


def test_answers_do_not_depend_on_the_order_asked() -> None:
    site = build_site(7)
    late, early = power.PowerModel(site), power.PowerModel(site)
    t = site.start + timedelta(hours=30)
    assert late.cell(t) == early.cell(t)


def test_without_the_generator_the_battery_drains_and_the_load_is_shed() -> None:
    site = build_site(7)
    model = power.PowerModel(site, generator_off=((site.start - timedelta(days=1), site.start + timedelta(days=2)),))
    day = (site.start, site.start + timedelta(days=1))
    assert model.energy_wh("generator", *day) == 0
    assert model.energy_wh("shed", *day) > 0
    assert min(model.cell(site.start + timedelta(minutes=m)).soc for m in range(0, 1440, 10)) <= power.SOC_MIN + 0.01
