"""The PoE switch's traffic per port (the truth behind its IF-MIB counters): byte rates with closed-form totals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from homelake.sim.model.noise import uniform
from homelake.sim.model.poe_switch import UPLINK_PORT, PoePort, PoeSwitch

DAY_S = 86_400
OMEGA = 2 * math.pi / DAY_S
Direction = Literal["in", "out"]  # as IF-MIB counts them: "in" is what the switch received on the port
ERROR_KINDS = ("in_errors", "out_errors", "in_discards")
FLAKY_CABLE_S = 600  # the second camera's cable: one receive error every 10 minutes
UPLINK_DISCARD_S = 120  # the uplink drops a frame every 2 minutes (bursts into the firewall)


@dataclass(frozen=True)
class Flow:
    """A byte stream whose rate follows the day: `mean_bps * (1 + depth * sin(OMEGA * t + phase))` bits/s, so
    the bytes between any two instants are exact (no sampling), however far apart."""

    mean_bps: float
    depth: float = 0.0
    phase: float = 0.0

    def bytes_between(self, a: float, b: float) -> float:
        """Bytes sent in [a, b] (epoch seconds)."""
        swing = self.depth / OMEGA * (math.cos(OMEGA * b + self.phase) - math.cos(OMEGA * a + self.phase))
        return self.mean_bps / 8 * ((b - a) - swing)


class SwitchTraffic:
    """What crosses each port of `switch`: a camera sends its video stream (2-4 Mbit/s, busier at night with IR
    noise), an access point carries its clients' downloads and uploads (peaking in the evening), and the uplink
    carries all of it to the firewall. Counters run from the switch's last boot (`PoeSwitch.booted_at`)."""

    def __init__(self, switch: PoeSwitch) -> None:
        self.switch = switch
        seed = switch.site.seed
        self.flows: dict[tuple[int, Direction], Flow] = {}
        for port in switch.ports:
            self.flows |= self._device_flows(port, seed)
        self._flaky_port = switch.ports[1].port if len(switch.ports) > 1 else None

    @staticmethod
    def _device_flows(port: PoePort, seed: int) -> dict[tuple[int, Direction], Flow]:
        if port.kind == "camera":
            video = uniform(2e6, 4e6, seed, "video-bps", port.device)
            return {(port.port, "in"): Flow(video, 0.25, math.pi / 2),  # peaks at midnight UTC (IR noise)
                    (port.port, "out"): Flow(video * 0.015, 0.25, math.pi / 2)}  # fmt: skip
        down = uniform(2e6, 6e6, seed, "ap-down-bps", port.device)
        up = uniform(0.4e6, 1.2e6, seed, "ap-up-bps", port.device)
        evening = math.pi / 2 - OMEGA * 19 * 3600  # the sine peaks at 19:00 UTC
        return {(port.port, "out"): Flow(down, 0.7, evening), (port.port, "in"): Flow(up, 0.6, evening)}

    def bytes_between(self, port: int, direction: Direction, start: datetime, end: datetime) -> float:
        """The truth: bytes that crossed `port` in `direction` in [start, end], whatever the switch counted."""
        a, b = start.timestamp(), end.timestamp()
        if port == UPLINK_PORT:  # everything the PoE ports receive leaves through the uplink, and back
            other: Direction = "out" if direction == "in" else "in"
            return sum(f.bytes_between(a, b) for (_, d), f in self.flows.items() if d == other)
        flow = self.flows.get((port, direction))
        return 0.0 if flow is None else flow.bytes_between(a, b)

    def octets(self, port: int, direction: Direction, t: datetime) -> int:
        """The port's unbounded octet counter at t (a 32-bit counter is this modulo 2**32)."""
        return math.floor(self.bytes_between(port, direction, self.switch.booted_at(t), t))

    def errors(self, port: int, kind: str, t: datetime) -> int:
        """The port's error or discard counter at t (`kind` one of ERROR_KINDS)."""
        up_s = self.switch.uptime_s(t)
        if kind == "in_errors" and port == self._flaky_port:
            return up_s // FLAKY_CABLE_S
        if kind == "in_discards" and port == UPLINK_PORT:
            return up_s // UPLINK_DISCARD_S
        return 0
