"""The simulated site and its Shelly fleet's state, built once per test module (pure and deterministic)."""

from __future__ import annotations

import pytest

from homelake.sim.model.shelly_state import ShellyState, shelly_state
from homelake.sim.model.site import Site, build_site


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site()


@pytest.fixture(scope="module")
def state(site: Site) -> ShellyState:
    return shelly_state(site)
