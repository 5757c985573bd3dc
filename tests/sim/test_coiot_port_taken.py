"""When UDP 5683 is taken, the simulated Shelly fleet says once, plainly, that CoIoT is unavailable and why
that does not matter, instead of one `Address already in use` warning per Gen1 device."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.integration

FLEET = """
import logging
from datetime import timedelta
from homelake.sim.model.site import build_site
from homelake.sources.shelly.simulator.fleet import ShellyFleet
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
site = build_site(7)
at = site.start + timedelta(hours=30)
with ShellyFleet(site, clock=lambda: at, port=0) as fleet:
    gen1 = sum(server.coap_port is not None for server in fleet.servers.values())
print(f"gen1={gen1}")
"""


@pytest.fixture
def udp_5683_taken() -> Iterator[None]:
    """Hold UDP 5683 on every address (when something else already holds it, it is taken all the same)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        holder.bind(("0.0.0.0", 5683))  # noqa: S104 - every address, so no simulated device can bind it
    except OSError:
        pass
    try:
        yield
    finally:
        holder.close()


@pytest.mark.usefixtures("udp_5683_taken")
def test_taken_coiot_port_is_said_once_and_explained() -> None:
    result = subprocess.run([sys.executable, "-c", FLEET], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    gen1 = int(result.stdout.split("gen1=")[1])
    assert gen1 >= 2  # several devices would each have warned
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, result.stderr
    assert "UDP 5683" in warnings[0] and "polls them over HTTP, so nothing is missing" in warnings[0]
